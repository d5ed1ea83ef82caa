import autocannon from 'autocannon';
import type { Row } from './scenarios.ts';
import type { ServerProcess } from './servers.ts';

// One measured window: autocannon against one server for a few seconds, with
// the server's RSS sampled from outside the process while it is under load.

export interface WindowResult {
  rps: number;
  p50: number;
  p99: number;
  /**
   * Server CPU time per answered request, microseconds (null without /proc):
   * unlike req/s it hardly depends on what else the machine is doing.
   */
  cpuPerRequest: number | null;
  /** Highest RSS of the serving process during the window, bytes (null without /proc): the kernel's high-water mark where it can be reset, else samples every 100 ms. */
  peakRss: number | null;
  requests: number;
  /** Bytes received per answer, headers included: what goes over the wire. */
  bytesPerAnswer: number;
  /** Answers with another status than the row expects, plus socket errors and timeouts. */
  unexpected: number;
  statuses: Record<string, number>;
}

export interface WindowOptions {
  seconds: number;
  connections: number;
}

export async function measureWindow(row: Row, server: ServerProcess, { seconds, connections }: WindowOptions): Promise<WindowResult> {
  const request = await row.prepare(server.url);
  const exactPeak = server.resetPeakRss();
  let peakRss: number | null = server.rss();
  const sampler = setInterval(() => {
    const rss = server.rss();
    if (rss !== null) peakRss = Math.max(peakRss ?? 0, rss);
  }, 100);
  const { path = '/', ...rest } = request;
  // autocannon's own latency histogram has whole-millisecond buckets; most rows answer well under 1 ms.
  const latencies: number[] = [];
  let received = 0;
  let result;
  // A row with background load (a launch storm) measures its own requests while the other load runs.
  const background = row.background ? await row.background(server.url) : null;
  const cpuBefore = server.cpuTime();
  try {
    const run = autocannon({ url: server.url + path, connections, pipelining: 1, duration: seconds, timeout: 10, sampleInt: 100, ...rest });
    run.on('response', (_client, _status, bytes, ms) => {
      latencies.push(ms);
      received += bytes;
    });
    const storm = background ? autocannon({ url: server.url + (background.path ?? '/'), pipelining: 1, duration: seconds, timeout: 10, ...background }) : null;
    [result] = await Promise.all([run, storm]);
  } finally {
    clearInterval(sampler);
  }
  const cpuAfter = server.cpuTime();
  const highWater = exactPeak ? server.peakRss() : null;
  if (highWater !== null) peakRss = Math.max(peakRss ?? 0, highWater);
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? NaN;
  const statuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) statuses[status] = count;
  const expected = statuses[String(row.status)] ?? 0;
  const answered = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  return {
    rps: result.requests.total / result.duration,
    p50: percentile(50),
    p99: percentile(99),
    // With background load the server's CPU is shared between two kinds of request: not a per-request figure.
    cpuPerRequest: background || cpuBefore === null || cpuAfter === null || result.requests.total === 0 ? null : (cpuAfter - cpuBefore) / result.requests.total,
    bytesPerAnswer: latencies.length === 0 ? 0 : received / latencies.length,
    peakRss,
    requests: result.requests.total,
    unexpected: answered - expected + result.errors + result.timeouts,
    statuses,
  };
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
