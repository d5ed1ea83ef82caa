import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureWidgetBuild } from '../server/assets/widgetBuild.ts';
import { DEFAULT_REVOCATION_DELAY_MS } from '../server/config.ts';
import { PROJECT_ROOT } from '../server/projectPaths.ts';
import { prepareDatabase } from './fixture.ts';
import { measureWindow, median, type WindowResult } from './measure.ts';
import { buildGoals, formatTable, writeReport, type BenchReport, type RowReport } from './report.ts';
import { benchRows, Launcher, seedNotes, type Row, type ServerKind } from './scenarios.ts';
import { freePort } from '../support/freePort.ts';
import { startBalancer, startHelloServer, startWidgetServer, type ServerProcess } from './servers.ts';
import { measureLiveStreams } from './liveStreams.ts';
import { measureTokenVerify } from './tokenVerify.ts';
import { measureWidgetSize } from './widgetSize.ts';
import { measureRevocationDelay, type RevocationDelayResult } from './revocationDelay.ts';

// npm run bench [-- --quick] [--cpu-prof] [--only ROW,...] [--port-base N] [--connections N]
// Every row is measured in the same run, in alternating rounds after a
// warm-up, and reported as a ratio to bare Koa measured in the same rounds.

const USAGE = 'usage: npm run bench -- [--quick] [--cpu-prof] [--only ROW,...] [--port-base N] [--connections N]';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    // For profiling one scenario: the floors (node, koa) always run, for the ratios.
    only: { type: 'string' },
    'port-base': { type: 'string' },
    connections: { type: 'string', default: '10' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const connections = Number(args.connections);
const portBase = args['port-base'] === undefined ? null : Number(args['port-base']);
if (!Number.isInteger(connections) || connections < 1 || connections > 256 || (portBase !== null && !(Number.isInteger(portBase) && portBase > 0 && portBase < 65533))) {
  console.error(USAGE);
  process.exit(2);
}

// Sized for a 2-core machine: full about 4 min, quick under 1 min, all included.
const settings = args.quick
  ? { rounds: 2, windowSeconds: 1, warmupSeconds: 0.5, connections, verifyBatches: 4, verifyPerBatch: 20_000, idleStreams: 200, liveSamples: 10, revocationSamples: 3 }
  : { rounds: 5, windowSeconds: 3, warmupSeconds: 2, connections, verifyBatches: 8, verifyPerBatch: 50_000, idleStreams: 1000, liveSamples: 40, revocationSamples: 10 };

const resultsDir = path.join(PROJECT_ROOT, 'bench/results');
const log = (message: string) => console.error(message);

async function main(): Promise<void> {
  const started = Date.now();
  await ensureWidgetBuild(log);
  const widget = measureWidgetSize();

  log('session token verify (in process)...');
  const tokenVerify = await measureTokenVerify({ batches: settings.verifyBatches, perBatch: settings.verifyPerBatch });

  const database = await prepareDatabase(process.env.DATABASE_URL);
  const servers: Partial<Record<ServerKind, ServerProcess>> = {};
  let secondNode: ServerProcess | undefined;
  try {
    const ports = portBase === null ? [await freePort(), await freePort(), await freePort()] : [portBase, portBase + 1, portBase + 2];
    log(`starting servers (database: ${database.label})...`);
    [servers.node, servers.koa, servers.app] = await Promise.all([
      startHelloServer('node', ports[0]!),
      startHelloServer('koa', ports[1]!),
      startWidgetServer({ port: ports[2]!, databaseUrl: database.url, secretsKey: database.secretsKey, cpuProfileDir: args['cpu-prof'] ? path.join(resultsDir, 'profiles') : undefined }),
    ]);
    const launcher = new Launcher(database.tenant);
    await seedNotes(servers.app.url, launcher);
    const only = args.only?.split(',');
    const rows = benchRows(launcher).filter((row) => !only || ['node', 'koa'].includes(row.server) || only.includes(row.id));
    if (rows.some((row) => row.server === 'one-node' || row.server === 'two-nodes')) {
      // A second node on the same database, and the two balancers.
      secondNode = await startWidgetServer({ port: await freePort(), databaseUrl: database.url, secretsKey: database.secretsKey });
      [servers['one-node'], servers['two-nodes']] = await Promise.all([
        startBalancer('1 node behind a balancer', await freePort(), [servers.app]),
        startBalancer('2 nodes behind a balancer', await freePort(), [servers.app, secondNode]),
      ]);
    }

    const window = (row: Row, seconds: number) => measureWindow(row, servers[row.server]!, { seconds, connections: settings.connections });
    for (const row of rows) {
      log(`warm-up: ${row.title}`);
      await window(row, settings.warmupSeconds);
    }
    const results = new Map<string, WindowResult[]>(rows.map((r) => [r.id, []]));
    for (let round = 0; round < settings.rounds; round++) {
      // Each round starts one row later, so no row always runs right after the same neighbour.
      const order = rows.map((_, i) => rows[(i + round) % rows.length]!);
      log(`round ${round + 1}/${settings.rounds}`);
      for (const row of order) results.get(row.id)!.push(await window(row, settings.windowSeconds));
    }

    const koaRounds = results.get('koa')!;
    const rowReports: RowReport[] = rows.map((row) => {
      const rounds = results.get(row.id)!;
      const rss = rounds.map((r) => r.peakRss).filter((v): v is number => v !== null);
      return {
        id: row.id,
        title: row.title,
        server: servers[row.server]!.name,
        rps: median(rounds.map((r) => r.rps)),
        p50: median(rounds.map((r) => r.p50)),
        p99: median(rounds.map((r) => r.p99)),
        ratioToKoa: median(rounds.map((r, i) => r.rps / koaRounds[i]!.rps)),
        cpuPerRequest: rounds.every((r) => r.cpuPerRequest !== null) ? median(rounds.map((r) => r.cpuPerRequest!)) : null,
        // The measure: bare Koa's CPU per request over this row's, round by round.
        cpuRatioToKoa: rounds.every((r, i) => r.cpuPerRequest !== null && koaRounds[i]!.cpuPerRequest !== null)
          ? median(rounds.map((r, i) => koaRounds[i]!.cpuPerRequest! / r.cpuPerRequest!))
          : null,
        peakRss: rss.length > 0 ? Math.max(...rss) : null,
        bytesPerAnswer: median(rounds.map((r) => r.bytesPerAnswer)),
        requests: rounds.reduce((sum, r) => sum + r.requests, 0),
        unexpected: rounds.reduce((sum, r) => sum + r.unexpected, 0),
        rounds,
      };
    });
    log(`live updates: ${settings.idleStreams} idle streams, then write-to-event delay...`);
    const liveStreams = await measureLiveStreams(servers.app, launcher, { idleStreams: settings.idleStreams, receivers: 10, samples: settings.liveSamples });
    // Asked only once the rows are done: the logouts must not land in a measured window.
    let revocation: RevocationDelayResult | null = null;
    if (secondNode) {
      log('revocation: logout on one node, refusal on the other...');
      revocation = await measureRevocationDelay(servers.app, secondNode, launcher, { samples: settings.revocationSamples, boundMs: DEFAULT_REVOCATION_DELAY_MS });
    }
    const appRss = rowReports.filter((r) => servers.app!.name === r.server).map((r) => r.peakRss).filter((v): v is number => v !== null);
    const widgetServerPeakRss = appRss.length > 0 ? Math.max(...appRss) : null;

    const report: BenchReport = {
      startedAt: new Date(started).toISOString(),
      durationSeconds: (Date.now() - started) / 1000,
      mode: args.quick ? 'quick' : 'full',
      database: database.label,
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model.trim() ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.release()}` },
      settings: { rounds: settings.rounds, windowSeconds: settings.windowSeconds, warmupSeconds: settings.warmupSeconds, connections: settings.connections },
      rows: rowReports,
      widgetServerPeakRss,
      tokenVerify,
      widget,
      liveStreams,
      revocation,
      goals: [
        ...buildGoals(rowReports, widgetServerPeakRss, tokenVerify, widget, revocation),
        // The words: changes arrive within a second in every open widget of the thread.
        { name: 'live update, write to every stream of the thread (p95)', target: '< 1000 ms', actual: `${liveStreams.p95Ms.toFixed(1)} ms`, met: liveStreams.p95Ms < 1000 },
      ],
    };
    console.log(formatTable(report));
    const written = writeReport(report, resultsDir);
    log(`\nwritten: ${path.relative(process.cwd(), written.json)}, ${path.relative(process.cwd(), written.markdown)}`);
    if (args['cpu-prof']) log(`CPU profile of the widget server: ${path.relative(process.cwd(), path.join(resultsDir, 'profiles'))}/ (after it exits)`);

    const wrong = rowReports.filter((r) => r.unexpected > 0);
    if (wrong.length > 0) {
      // A fast wrong answer is not a result: say so, and fail the run.
      for (const r of wrong) log(`row "${r.title}": ${r.unexpected} answers without status ${rows.find((x) => x.id === r.id)!.status}: ${JSON.stringify(r.rounds.map((x) => x.statuses))}`);
      process.exitCode = 1;
    }
  } finally {
    await Promise.all([...Object.values(servers), ...(secondNode ? [secondNode] : [])].map((s) => s.stop()));
    await database.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error('bench failed:', err instanceof Error ? err.stack : err);
  process.exit(1);
});
