import fs from 'node:fs';
import path from 'node:path';
import type { LiveStreamsResult } from './liveStreams.ts';
import type { TokenVerifyResult } from './tokenVerify.ts';
import { POLL_MS, type RevocationDelayResult } from './revocationDelay.ts';
import type { WidgetSizeResult } from './widgetSize.ts';
import type { WindowResult } from './measure.ts';

// The bench's answer, three ways: a table on stdout, JSON for machines and
// Markdown for people (bench/results/latest.{json,md}).

export interface RowReport {
  id: string;
  title: string;
  server: string;
  /** Medians over the measured rounds. */
  rps: number;
  p50: number;
  p99: number;
  /** Median over rounds of (this row / bare Koa in the same round). */
  ratioToKoa: number;
  /** Median server CPU microseconds per request (null without /proc, or with background load). */
  cpuPerRequest: number | null;
  /**
   * Median over rounds of (bare Koa's CPU per request / this row's) in the same round: the
   * goals' measure. It moves much less with the machine's load than the req/s ratio, since
   * the load generator shares the cores (null where CPU is not measured).
   */
  cpuRatioToKoa: number | null;
  /** Median bytes per answer on the wire, headers included (compressed where the row asks for it). */
  bytesPerAnswer: number;
  peakRss: number | null;
  requests: number;
  unexpected: number;
  rounds: WindowResult[];
}

export interface Goal {
  name: string;
  target: string;
  actual: string;
  met: boolean;
}

export interface BenchReport {
  startedAt: string;
  durationSeconds: number;
  mode: 'full' | 'quick';
  database: string;
  machine: { cpus: number; cpu: string; node: string; platform: string };
  settings: { rounds: number; windowSeconds: number; warmupSeconds: number; connections: number };
  rows: RowReport[];
  widgetServerPeakRss: number | null;
  tokenVerify: TokenVerifyResult;
  /** null when no second node ran (--only without the two-node rows). */
  revocation: RevocationDelayResult | null;
  widget: WidgetSizeResult;
  liveStreams?: LiveStreamsResult;
  goals: Goal[];
}

export const MB = 1_000_000;
export const KB = 1_000;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number | null) => (bytes === null ? 'n/a' : `${fmt(bytes / MB, 1)} MB`);
const kb = (bytes: number) => `${fmt(bytes / KB, 2)} kB`;

export function buildGoals(rows: RowReport[], widgetServerPeakRss: number | null, tokenVerify: TokenVerifyResult, widget: WidgetSizeResult, revocation: RevocationDelayResult | null): Goal[] {
  const ratio = (id: string) => rows.find((r) => r.id === id)?.cpuRatioToKoa ?? 0;
  const atLeast = (name: string, id: string, min: number): Goal => ({
    name,
    target: `>= ${min} x bare Koa, CPU per request`,
    actual: `${fmt(ratio(id), 2)} x`,
    met: ratio(id) >= min,
  });
  const widgetJs = widget.files.filter((f) => f.file.endsWith('.js')).reduce((sum, f) => sum + f.gzip, 0);
  const measured = (goal: Goal, id: string) => (rows.some((r) => r.id === id) ? [goal] : []);
  const p99 = (id: string) => rows.find((r) => r.id === id)?.p99 ?? NaN;
  const stormP99 = p99('me-storm') / p99('me');
  return [
    ...measured(atLeast('GET /api/me', 'me', 0.35), 'me'),
    ...measured(atLeast('GET /api/notes (50 notes)', 'notes-list', 0.12), 'notes-list'),
    ...measured(atLeast('POST /api/notes', 'notes-create', 0.08), 'notes-create'),
    ...measured(atLeast('POST /launch', 'launch', 0.05), 'launch'),
    ...(rows.some((r) => r.id === 'me-storm') && rows.some((r) => r.id === 'me')
      ? [{ name: 'GET /api/me p99 during a launch storm', target: '<= 2 x its p99 alone', actual: `${fmt(stormP99, 2)} x`, met: stormP99 <= 2 }]
      : []),
    ...(revocation
      ? [
          {
            name: 'revocation: at once on the revoking node; the other accepts nothing sent after the bound',
            target: `<= ${revocation.boundMs} ms`,
            actual: `${revocation.refusedAtOnceOnRevokingNode ? 'at once' : 'NOT at once'}; last accepted ${fmt(revocation.otherNodeLastAcceptedMs)} ms, refused by ${fmt(revocation.otherNodeRefusedMs)} ms (asked every ${POLL_MS} ms)`,
            met: revocation.refusedAtOnceOnRevokingNode && revocation.otherNodeLastAcceptedMs <= revocation.boundMs,
          },
        ]
      : []),
    { name: 'session token verify', target: '<= 2 x raw HMAC + JSON.parse', actual: `${fmt(tokenVerify.ratio, 2)} x`, met: tokenVerify.ratio <= 2 },
    { name: 'widget, everything the iframe loads', target: '<= 10 kB gzip', actual: kb(widget.gzip), met: widget.gzip <= 10 * KB },
    { name: 'widget JS alone', target: '<= 10 kB gzip', actual: kb(widgetJs), met: widgetJs <= 10 * KB },
    {
      name: 'widget server RSS under load',
      target: '< 120 MB',
      actual: mb(widgetServerPeakRss),
      met: widgetServerPeakRss !== null && widgetServerPeakRss < 120 * MB,
    },
  ];
}

/** GET /api/me through one address: two nodes against one, req/s and server CPU per request. */
function nodesLine(report: BenchReport): string[] {
  const one = report.rows.find((r) => r.id === 'me-one-node');
  const two = report.rows.find((r) => r.id === 'me-two-nodes');
  if (!one || !two) return [];
  const cpu = one.cpuPerRequest !== null && two.cpuPerRequest !== null ? `, CPU per request ${fmt(two.cpuPerRequest / one.cpuPerRequest, 2)} x` : '';
  return [`2 nodes behind one address against 1: ${fmt(two.rps / one.rps, 2)} x the req/s${cpu}`];
}

function rowLines(report: BenchReport): string[][] {
  return report.rows.map((r, i) => [
    String(i + 1),
    r.title,
    fmt(r.rps),
    fmt(r.p50, 1),
    fmt(r.p99, 1),
    `${fmt(r.ratioToKoa, 2)} x`,
    r.cpuPerRequest === null ? 'n/a' : fmt(r.cpuPerRequest),
    r.cpuRatioToKoa === null ? 'n/a' : `${fmt(r.cpuRatioToKoa, 2)} x`,
    mb(r.peakRss),
    fmt(r.bytesPerAnswer),
    r.unexpected === 0 ? 'ok' : `${r.unexpected} unexpected`,
  ]);
}

const ROW_HEADER = ['#', 'scenario', 'req/s', 'p50 ms', 'p99 ms', 'vs Koa', 'CPU us/req', 'CPU vs Koa', 'peak RSS', 'B/answer', 'answers'];

export function formatTable(report: BenchReport): string {
  const table = [ROW_HEADER, ...rowLines(report)];
  const widths = ROW_HEADER.map((_, c) => Math.max(...table.map((line) => line[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const out = [line(table[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line)];
  const t = report.tokenVerify;
  out.push(
    '',
    ...nodesLine(report),
    `session token verify (each token's first): ${fmt(t.verifyNs)} ns vs raw HMAC + JSON.parse ${fmt(t.floorNs)} ns (${fmt(t.ratio, 2)} x)`,
    `widget (iframe loads): ${report.widget.files.map((f) => `${path.basename(f.file)} ${kb(f.gzip)}`).join(' + ')} = ${kb(report.widget.gzip)} gzip`,
    `widget server peak RSS under load: ${mb(report.widgetServerPeakRss)}`,
    ...liveLines(report),
    '',
    'goals:',
    ...report.goals.map((g) => `  ${g.met ? 'met    ' : 'NOT MET'}  ${g.name}: ${g.actual} (goal ${g.target})`),
  );
  return out.join('\n');
}

/** Live updates (bench/liveStreams.ts): idle streams per node and their memory, write-to-event delay. */
function liveLines(report: BenchReport): string[] {
  const l = report.liveStreams;
  if (!l) return [];
  return [
    `live updates: ${fmt(l.idleStreams)} idle streams held on one node, RSS ${mb(l.rssBefore)} -> ${mb(l.rssAfter)} (${l.bytesPerStream === null ? 'n/a' : kb(l.bytesPerStream)} per stream)`,
    `live updates: write to event on all ${l.receivers} streams of the thread, ${l.samples} writes: p50 ${fmt(l.p50Ms, 1)} ms, p95 ${fmt(l.p95Ms, 1)} ms, max ${fmt(l.maxMs, 1)} ms`,
  ];
}

export function formatMarkdown(report: BenchReport): string {
  const table = (header: string[], lines: string[][], align: string[]) =>
    [`| ${header.join(' | ')} |`, `|${align.join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
  const s = report.settings;
  const m = report.machine;
  return [
    `Run ${report.startedAt} (${report.mode}, ${fmt(report.durationSeconds)} s) on ${m.cpus} x ${m.cpu}, Node ${m.node}, ${m.platform}; database: ${report.database}.`,
    `${s.rounds} measured rounds of ${s.windowSeconds} s per row after a ${s.warmupSeconds} s warm-up per row, rows alternating, ${s.connections} connections; medians over rounds.`,
    '',
    table(ROW_HEADER, rowLines(report), ['--:', ':--', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', ':-:']),
    '',
    ...nodesLine(report),
    '',
    `Session token verify: ${fmt(report.tokenVerify.verifyNs)} ns per token; raw HMAC-SHA256 + JSON.parse floor ${fmt(report.tokenVerify.floorNs)} ns (${fmt(report.tokenVerify.ratio, 2)} x).`,
    '',
    ...liveLines(report).map((line) => `${line}  `),
    '',
    table(
      ['file the iframe loads', 'bytes', 'gzip -9'],
      [...report.widget.files.map((f) => [`\`${f.file}\``, fmt(f.bytes), fmt(f.gzip)]), ['**total**', `**${fmt(report.widget.bytes)}**`, `**${fmt(report.widget.gzip)}**`]],
      [':--', '--:', '--:'],
    ),
    '',
    table(
      ['goal', 'target', 'measured', ''],
      report.goals.map((g) => [g.name, g.target, g.actual, g.met ? 'met' : '**not met**']),
      [':--', ':--', '--:', ':-:'],
    ),
    '',
  ].join('\n');
}

export function writeReport(report: BenchReport, dir: string): { json: string; markdown: string } {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'latest.json');
  const markdown = path.join(dir, 'latest.md');
  fs.writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(markdown, formatMarkdown(report));
  return { json, markdown };
}
