import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import { poolStats, type Db } from '../db/connect.ts';
import { countOpenSessions } from '../db/sessions.ts';
import type { RequestObserver } from '../http/requestMetrics.ts';

// What an operator graphs and alerts on, in the Prometheus text format. Each
// app has a registry of its own (never prom-client's global one), so tests can
// build many apps in one process.

export type RateLimitKind = 'per_address' | 'per_tenant';

export interface WidgetMetrics extends RequestObserver {
  registry: Registry;
  countRateLimited(kind: RateLimitKind): void;
}

// Seconds; the API answers in about a millisecond, a launch in tens (docs/benchmark.md).
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface WidgetMetricsOptions {
  db: Db;
  clock: Clock;
  /** Process metrics (CPU, memory, event-loop lag, GC): only where they are served, as they start monitors. */
  processMetrics?: boolean;
}

export function createWidgetMetrics({ db, clock, processMetrics = false }: WidgetMetricsOptions): WidgetMetrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });

  const requests = new Histogram({
    name: 'widget_http_request_duration_seconds',
    help: 'Requests answered, by declared route, method and status, and how long they took (_count is the number of requests).',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const launches = new Counter({
    name: 'widget_launches_total',
    help: 'Launch attempts (POST /launch, GET /launch, POST /api/session): result="accepted", or result="refused" with the protocol error code.',
    labelNames: ['result', 'code'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'widget_rate_limited_total',
    help: 'Requests refused with 429 rate_limited, by limit: per_address (LAUNCH_RATE_PER_IP) or per_tenant (LAUNCH_RATE_PER_TENANT).',
    labelNames: ['limit'] as const,
    registers: [registry],
  });

  new Gauge({
    name: 'widget_active_sessions',
    help: 'Sessions neither revoked nor past their absolute lifetime, in the whole database (every node reports the same number); read at scrape time.',
    registers: [registry],
    async collect() {
      try {
        this.set(await countOpenSessions(db, clock.now()));
      } catch {
        // No database, no number: the series goes missing (alert on absent()), the rest of the scrape still answers.
        this.reset();
      }
    },
  });
  new Gauge({
    name: 'widget_db_pool_connections',
    help: "This node's database connections: state=used|free, and callers waiting for one (state=pending_acquire) or for one to open (state=pending_create).",
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const stats = poolStats(db);
      if (!stats) return this.reset();
      this.set({ state: 'used' }, stats.used);
      this.set({ state: 'free' }, stats.free);
      this.set({ state: 'pending_acquire' }, stats.pendingAcquires);
      this.set({ state: 'pending_create' }, stats.pendingCreates);
    },
  });
  new Gauge({
    name: 'widget_db_pool_max_connections',
    help: "The ceiling of this node's connection pool (DATABASE_POOL_MAX on PostgreSQL).",
    registers: [registry],
    collect() {
      const stats = poolStats(db);
      if (stats) this.set(stats.max);
    },
  });

  return {
    registry,
    observeRequest: ({ method, route, status }, seconds) => requests.observe({ route, method, status: String(status) }, seconds),
    countLaunch: (code) => launches.inc(code === undefined ? { result: 'accepted' } : { result: 'refused', code }),
    countRateLimited: (kind) => rateLimited.inc({ limit: kind }),
  };
}
