import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildServer } from '../server/assets/serverBuild.ts';
import { PROJECT_ROOT } from '../server/projectPaths.ts';

// Every server under test runs in its own child process, so the load generator
// (this process) and the server do not share a CPU or a heap, and the server's
// memory can be read from outside it (/proc/PID/status).

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** Resident set size now, in bytes; null where /proc is not available. */
  rss(): number | null;
  /** CPU time the process has used so far (user + system, all threads), in microseconds; null without /proc. */
  cpuTime(): number | null;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// An interrupted bench must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function readRss(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node supports

export function readCpuTime(pid: number): number | null {
  try {
    // Fields after the command name (which may contain spaces): utime is the 12th, stime the 13th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
  } catch {
    return null;
  }
}

interface SpawnOptions {
  name: string;
  script: string;
  /** Plain JavaScript (the production bundle) runs without the TypeScript loader. */
  typescript?: boolean;
  args?: string[];
  env?: Record<string, string>;
  nodeFlags?: string[];
  url: string;
  /** Answers 200 once the server is ready. */
  readyPath: string;
}

async function spawnServer({ name, script, typescript = true, args = [], env = {}, nodeFlags = [], url, readyPath }: SpawnOptions): Promise<ServerProcess> {
  // Like `npm start` (tsx), but without tsx's own wrapper process: the pid is the server.
  const loader = typescript ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...nodeFlags, ...loader, script, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    // The request log goes to /dev/null: written (its cost is measured), not read.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited before it was ready:\n${stderr}`);
    if (await fetch(url + readyPath).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within 30 s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    name,
    url,
    pid: child.pid!,
    rss: () => readRss(child.pid!),
    cpuTime: () => readCpuTime(child.pid!),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      running.delete(child);
    },
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
    typescript: false,
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
    rss: () => {
      const all = backends.map((b) => b.rss());
      return all.every((v) => v !== null) ? Math.max(...(all as number[])) : null;
    },
    cpuTime: () => {
      const all = backends.map((b) => b.cpuTime());
      return all.every((v) => v !== null) ? (all as number[]).reduce((sum, v) => sum + v, 0) : null;
    },
    stop: () => balancer.stop(),
  };
}
