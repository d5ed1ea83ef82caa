import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort } from './freePort.ts';

// The one way a test, the e2e stack or the benchmark starts a server process
// (ours, a bare Koa app, npm running a script) and waits for it. It imports
// nothing of the project's own code, so bench/ and test/ can both use it.

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/**
 * How long a process may take to answer its readiness URLs before we call it
 * hung. Far above a cold start on the slowest machine we support (2 busy
 * cores, about 3 s): reaching it means something is wrong, not slow.
 */
export const READY_HANG_MS = 120_000;

export type ProcessCommand =
  /** node [nodeFlags] [--import tsx, for a .ts file] script [args], with no npm or tsx wrapper process: the pid is the server's. */
  | { script: string; args?: string[]; nodeFlags?: string[] }
  /** `npm run <npmScript>` exactly as an operator types it; the pid is npm's. */
  | { npmScript: string };

export interface ProcessSpec {
  command: ProcessCommand;
  /** The whole environment besides PATH, HOME and TMPDIR: nothing of ours (vitest's variables, NODE_OPTIONS) leaks in. */
  env: Record<string, string>;
  /** The child's output to /dev/null, as a benchmark wants (written, so its cost counts; never read). */
  discardStdout?: boolean;
  /** Run as this user and group (a test started as root that needs permission errors to happen). */
  uid?: number;
  gid?: number;
  /** Names the process in failure messages. */
  name?: string;
}

export interface ServerProcess {
  name: string;
  pid: number;
  /** stdout and stderr interleaved, so far. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Every stdout line that parses as a JSON object: the server's structured log. */
  logRecords(): Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Null while it runs. */
  exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | null;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs` (default 12 s, past the server's own 10 s grace); resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  /** Resident set size in bytes, CPU time (user + system) in microseconds; null without /proc. */
  rssBytes(): number | null;
  cpuMicros(): number | null;
}

// Each child leads its own process group, so a signal reaches what it started
// too (npm runs sh, which runs node): killing npm alone left the server running.
const signalGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
};
const running = new Set<ChildProcess>();
const killAll = () => {
  for (const child of running) signalGroup(child, 'SIGKILL');
};
// A failed hook, a crashed worker or Ctrl-C must not leave servers behind.
process.once('exit', killAll);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    killAll();
    // Our listener is gone now: the signal's default action (or vitest's own handler) takes over.
    process.kill(process.pid, signal);
  });
}

export function spawnProcess(spec: ProcessSpec): ServerProcess {
  const { command } = spec;
  const [file, args] =
    'npmScript' in command
      ? ['npm', ['run', command.npmScript]]
      : [process.execPath, [...(command.nodeFlags ?? []), ...(command.script.endsWith('.ts') ? ['--import', 'tsx'] : []), command.script, ...(command.args ?? [])]];
  const name = spec.name ?? ('npmScript' in command ? `npm run ${command.npmScript}` : path.basename(command.script));
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  if (process.env.TMPDIR) base.TMPDIR = process.env.TMPDIR;
  const child = spawn(file, args, {
    cwd: PROJECT_ROOT,
    uid: spec.uid,
    gid: spec.gid,
    env: { ...base, ...spec.env },
    detached: true,
    stdio: ['ignore', spec.discardStdout ? 'ignore' : 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    stderr += chunk;
  });
  let status: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close', not 'exit': by then every byte of its output has been read. (What
    // it started is signalled with it, as one group, so none holds the pipes open.)
    child.once('close', (code, signal) => {
      running.delete(child);
      status = { code, signal };
      resolve(status);
    });
  });
  // A spawn failure (npm missing, a bad uid) arrives as 'error' and then 'close'.
  child.once('error', (err) => (stderr += `\n${err.message}`));

  return {
    name,
    pid: child.pid ?? -1,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    logRecords: () =>
      stdout.split('\n').flatMap((line) => {
        const record = parseLogLine(line);
        return record ? [record] : [];
      }),
    exited,
    exitStatus: () => status,
    signal: (signal) => signalGroup(child, signal),
    async stop(graceMs = 12_000) {
      if (status) return;
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    rssBytes: () => readRss(child.pid),
    cpuMicros: () => readCpuMicros(child.pid),
  };
}

/** A server process that exited before it answered; `portTaken` when it said EADDRINUSE (someone took the port we picked). */
export class ServerStartFailure extends Error {
  constructor(
    message: string,
    readonly portTaken: boolean,
  ) {
    super(message);
  }
}

/**
 * Starts a process and resolves once every `ready` URL answers 2xx. Fails at
 * once if it exits first, and after READY_HANG_MS if it never answers.
 */
export async function startServerProcess(spec: ProcessSpec & { ready: string[] }): Promise<ServerProcess> {
  const server = spawnProcess(spec);
  for (const url of spec.ready) {
    try {
      await waitUntilAnswers(url, server);
    } catch (err) {
      await server.stop(2_000);
      throw err;
    }
  }
  return server;
}

/** Polls `url` until it answers 2xx; fails if `server` exits first or after READY_HANG_MS. */
export async function waitUntilAnswers(url: string, server: Pick<ServerProcess, 'name' | 'exitStatus' | 'output'>): Promise<void> {
  const started = Date.now();
  for (;;) {
    const status = server.exitStatus();
    if (status) {
      const output = server.output();
      throw new ServerStartFailure(`${server.name} exited (${status.signal ?? `code ${status.code}`}) before ${url} answered:\n${output}`, output.includes('EADDRINUSE'));
    }
    if (await answers(url)) return;
    if (Date.now() - started > READY_HANG_MS) {
      throw new Error(`${server.name} hangs: ${url} did not answer in ${READY_HANG_MS / 1000} s, far past any start-up on a slow machine:\n${server.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * One request on its own connection, closed afterwards. fetch() would park a
 * keep-alive connection in its global pool, and a later fetch to the same
 * address (say, after SIGTERM, to see the port refused) would ride on it.
 */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, headers: { Connection: 'close' } }, (response) => {
      response.resume();
      response.on('end', () => resolve((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300));
      response.on('error', () => resolve(false));
    });
    request.on('error', () => resolve(false));
  });
}

/**
 * Starts a server on `count` ports the OS says are free. Between our check and
 * the child's bind another process may take one (two test runs on one machine
 * do); the child then exits with EADDRINUSE and we try fresh ports.
 */
export async function startOnFreePorts<T>(count: number, start: (ports: number[]) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    try {
      return await start(ports);
    } catch (err) {
      if (!(err instanceof ServerStartFailure && err.portTaken) || attempt === 5) throw err;
    }
  }
}

export function parseLogLine(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A size field of /proc/PID/status (VmRSS, VmHWM, ...), in bytes; null without /proc. */
function readStatusBytes(pid: number | undefined, field: string): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export const readRss = (pid: number | undefined): number | null => readStatusBytes(pid, 'VmRSS');

// Sampling VmRSS every 100 ms misses what rises and falls between two samples (a burst of
// compressions, a GC's evacuation); the kernel keeps the exact high-water mark.
export const readPeakRss = (pid: number | undefined): number | null => readStatusBytes(pid, 'VmHWM');

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node supports

export function readCpuMicros(pid: number | undefined): number | null {
  try {
    // Fields after the command name (which may contain spaces): utime is the 12th, stime the 13th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
  } catch {
    return null;
  }
}

export { freePort };
