import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { transactionStatement } from '../db/transactionStatement.ts';
import { memoryNoteFeed, ThreadHub, type NoteFeed } from './noteFeed.ts';

// Several nodes on PostgreSQL: a change is announced with NOTIFY inside its
// transaction, so every node hears it exactly when it commits (and never when
// it rolls back), and each node LISTENs on one dedicated connection of its own,
// outside the query pool: a LISTEN needs a session that stays open, which a
// pooled connection is not, and one per node (not one per stream) keeps
// PostgreSQL's connection count independent of how many streams are open.
// Why not polling or Redis: docs/scaling.md.

type PgDatabase = Extract<DatabaseConfig, { client: 'pg' }>;

const notify = transactionStatement<{ channel: string; payload: string }, unknown>(['channel', 'payload'], (db, p) => db.raw('select pg_notify(?, ?)', [p.channel, p.payload]));

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 15_000;

/** One channel per schema: nodes of another deployment sharing the database do not wake ours. */
export const channelFor = (database: PgDatabase) => `widget_notes_${database.schema ?? 'public'}`.slice(0, 63);

export function pgNoteFeed(database: PgDatabase, logger: Logger): NoteFeed {
  const hub = new ThreadHub();
  const channel = channelFor(database);
  let client: pg.Client | null = null;
  let listening: Promise<void> | null = null;
  let closed = false;
  let failures = 0;
  let reconnecting: Promise<void> | null = null;

  function onNotification(message: pg.Notification) {
    try {
      const [tenantId, ctx, seq] = JSON.parse(message.payload ?? '') as [string, string, number];
      hub.signal({ tenantId, ctx }, seq);
    } catch {
      // Only our own writes notify this channel; a foreign payload is ignored.
    }
  }

  function connect(): Promise<void> {
    listening ??= (async () => {
      const next = new pg.Client({ connectionString: database.connectionString, connectionTimeoutMillis: 4000 });
      next.on('notification', onNotification);
      next.on('error', () => lost(next));
      next.on('end', () => lost(next));
      await next.connect();
      await next.query(`listen "${channel}"`);
      client = next;
      failures = 0;
    })().catch((err: unknown) => {
      listening = null;
      throw err;
    });
    return listening;
  }

  function lost(which: pg.Client) {
    if (closed || client !== which) return;
    client = null;
    listening = null;
    which.removeAllListeners('notification');
    void which.end().catch(() => undefined);
    logger.warn('note_feed_disconnected', { failures });
    reconnecting ??= reconnect().finally(() => (reconnecting = null));
  }

  async function reconnect(): Promise<void> {
    while (!closed) {
      const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** failures++);
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)).unref());
      try {
        await connect();
        // Changes may have committed while nobody listened: every stream catches up from the database.
        hub.signalAll();
        return;
      } catch {
        // try again, later
      }
    }
  }

  return {
    async inTransaction(tx, scope, seq) {
      await tx.rows(notify, { channel, payload: JSON.stringify([scope.tenantId, scope.ctx, seq]) });
    },
    afterCommit() {},
    async subscribe(scope, listener) {
      const remove = hub.add(scope, listener);
      // Without the listening connection a stream still works: it reads the
      // database on every re-check (server/live/noteStream.ts) until we are back.
      await connect().catch(() => {
        if (!reconnecting) reconnecting = reconnect().finally(() => (reconnecting = null));
      });
      return remove;
    },
    async close() {
      closed = true;
      const last = client;
      client = null;
      await last?.end().catch(() => undefined);
    },
  };
}

/** The feed a node needs for its database. */
export const noteFeedFor = (database: DatabaseConfig, logger: Logger): NoteFeed => (database.client === 'pg' ? pgNoteFeed(database, logger) : memoryNoteFeed());
