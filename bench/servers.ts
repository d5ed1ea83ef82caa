import fs from 'node:fs';
import path from 'node:path';
import { buildServer } from '../server/assets/serverBuild.ts';
import { PROJECT_ROOT } from '../server/projectPaths.ts';
import { readCpuMicros, readPeakRss, readRss, startServerProcess } from '../support/serverProcess.ts';

// Every server under test runs in its own child process, so the load generator
// (this process) and the server do not share a CPU or a heap, and the server's
// memory can be read from outside it (/proc/PID/status). Started through
// support/serverProcess.ts, the helper the tests use too.

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** Resident set size now, in bytes; null where /proc is not available. */
  rss(): number | null;
  /**
   * Starts a new peak: the kernel's high-water mark of the RSS (VmHWM) is set to the RSS now.
   * False where that cannot be done (no /proc, or not our process): then only samples tell the peak.
   */
  resetPeakRss(): boolean;
  /** The highest RSS since the last resetPeakRss(), in bytes, exactly (the kernel's VmHWM); null without /proc. */
  peakRss(): number | null;
  /** CPU time the process has used so far (user + system, all threads), in microseconds; null without /proc. */
  cpuTime(): number | null;
  stop(): Promise<void>;
}

export { readPeakRss, readRss };
export const readCpuTime = readCpuMicros;

export function resetPeakRss(pid: number): boolean {
  try {
    // proc(5), /proc/pid/clear_refs: "5" resets the peak resident set size to the current one.
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

interface SpawnOptions {
  name: string;
  /** A .ts file runs through tsx (without tsx's wrapper process: the pid is the server); plain JavaScript (the production bundle) without it. */
  script: string;
  args?: string[];
  env?: Record<string, string>;
  nodeFlags?: string[];
  url: string;
  /** Answers 200 once the server is ready. */
  readyPath: string;
}

async function spawnServer({ name, script, args = [], env = {}, nodeFlags = [], url, readyPath }: SpawnOptions): Promise<ServerProcess> {
  // The request log goes to /dev/null: written (its cost is measured), not read.
  const child = await startServerProcess({ name, command: { script, args, nodeFlags }, env, discardStdout: true, ready: [url + readyPath] });
  return {
    name,
    url,
    pid: child.pid,
    rss: child.rssBytes,
    resetPeakRss: () => resetPeakRss(child.pid),
    peakRss: () => readPeakRss(child.pid),
    cpuTime: child.cpuMicros,
    stop: () => child.stop(10_000),
  };
}

export function startHelloServer(kind: 'node' | 'koa', port: number): Promise<ServerProcess> {
  return spawnServer({
    name: kind === 'node' ? 'bare node http' : 'bare Koa',
    script: 'bench/helloServer.ts',
    args: [kind, String(port)],
    url: `http://127.0.0.1:${port}`,
    readyPath: '/',
  });
}

export interface WidgetServerOptions {
  port: number;
  databaseUrl: string;
  secretsKey: string;
  /** Directory for a V8 CPU profile of the whole run (node --cpu-prof), written when the server exits. */
  cpuProfileDir?: string;
}

/**
 * `npm run start:prod` from package.json, as `[node flags, script]`: the bench runs exactly that
 * command (without npm's own process in between, so the pid is the server's).
 */
export function productionStartCommand(): { nodeFlags: string[]; script: string } {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [node, ...rest] = pkg.scripts['start:prod']!.split(/\s+/);
  const script = rest.pop();
  if (node !== 'node' || !script || rest.some((arg) => !arg.startsWith('--'))) throw new Error(`start:prod is not "node [--flags] script": ${pkg.scripts['start:prod']}`);
  return { nodeFlags: rest, script };
}

/** The real server in production mode, the way it is deployed: the bundle `npm run build` makes, run by `npm run start:prod`. */
export async function startWidgetServer({ port, databaseUrl, secretsKey, cpuProfileDir }: WidgetServerOptions): Promise<ServerProcess> {
  await buildServer();
  const start = productionStartCommand();
  return spawnServer({
    name: 'widget server',
    script: start.script,
    // BENCH_NODE_FLAGS: extra flags to compare (a later flag wins over start:prod's).
    nodeFlags: [...start.nodeFlags, ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProfileDir)}`] : [])],
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: BENCH_PUBLIC_URL,
      DATABASE_URL: databaseUrl,
      SECRETS_KEY: secretsKey,
      // The bench launches thousands of times a minute from one address on purpose.
      LAUNCH_RATE_PER_IP: '1000000',
      LAUNCH_RATE_PER_TENANT: '10000000',
    },
    url: `http://127.0.0.1:${port}`,
    readyPath: '/healthz',
  });
}

// Over every backend, or null when one of them cannot tell.
const known = (values: Array<number | null>): number[] | null => (values.every((v) => v !== null) ? (values as number[]) : null);
const largest = (values: Array<number | null>): number | null => {
  const all = known(values);
  return all ? Math.max(...all) : null;
};
const summed = (values: Array<number | null>): number | null => known(values)?.reduce((sum, v) => sum + v, 0) ?? null;

/** Production needs an https PUBLIC_URL; it only sets the audience and issuer, nothing connects to it. */
export const BENCH_PUBLIC_URL = 'https://widget.bench.test';

/**
 * `bench/balancer.ts` in front of `backends`: one address, connections dealt
 * out in turn. Its CPU and memory are the backends' (summed, and the largest),
 * so a row through it reads like a row against one server; the balancer's own
 * cost is the same for one backend and for two.
 */
export async function startBalancer(name: string, port: number, backends: ServerProcess[]): Promise<ServerProcess> {
  const balancer = await spawnServer({
    name: `${name} (balancer)`,
    script: 'bench/balancer.ts',
    args: [String(port), ...backends.map((b) => new URL(b.url).port)],
    url: `http://127.0.0.1:${port}`,
    readyPath: '/healthz',
  });
  return {
    name,
    url: balancer.url,
    pid: balancer.pid,
    rss: () => largest(backends.map((b) => b.rss())),
    resetPeakRss: () => backends.map((b) => b.resetPeakRss()).every(Boolean),
    peakRss: () => largest(backends.map((b) => b.peakRss())),
    cpuTime: () => summed(backends.map((b) => b.cpuTime())),
    stop: () => balancer.stop(),
  };
}
