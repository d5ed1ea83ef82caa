import { describe, expect, it } from 'vitest';
import { jsonLogger } from '../../server/logger.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('jsonLogger', () => {
  it('writes one JSON object per line with time, level, event and the fields', () => {
    const writes: string[] = [];
    const logger = jsonLogger((line) => writes.push(line));
    logger.info('request', { path: '/api/me', status: 200, code: undefined });
    logger.info('bare');
    logger.audit('launch_rejected', { code: 'launch_replayed' });
    const [request, bare, audit] = writes.map((w) => JSON.parse(w) as Record<string, unknown>);
    expect(request).toEqual({ time: expect.any(String), level: 'info', event: 'request', path: '/api/me', status: 200 });
    expect(bare).toEqual({ time: expect.any(String), level: 'info', event: 'bare' });
    expect(audit).toEqual({ time: expect.any(String), level: 'warn', audit: true, event: 'launch_rejected', code: 'launch_replayed' });
    expect(new Date(request!.time as string).toISOString()).toBe(request!.time);
  });

  it('coalesces info lines of one turn into one write at its end', async () => {
    const writes: string[] = [];
    const logger = jsonLogger((line) => writes.push(line), { coalesce: true });
    for (let i = 0; i < 3; i++) logger.info('request', { i });
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.split('\n').map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([0, 1, 2]);
  });

  it('never holds an audit, warn or error line, and writes what was queued before it first', () => {
    const writes: string[] = [];
    const logger = jsonLogger((line) => writes.push(line), { coalesce: true });
    logger.info('request', { i: 1 });
    logger.audit('key_rotated');
    logger.error('failed');
    const events = writes.flatMap((w) => w.split('\n')).map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(['request', 'key_rotated', 'failed']);
  });

  it('still filters by level when coalescing, and never filters audit lines', async () => {
    const writes: string[] = [];
    const logger = jsonLogger((line) => writes.push(line), { coalesce: true, level: 'error' });
    logger.info('request');
    logger.warn('slow');
    logger.audit('session_revoked');
    await nextTurn();
    expect(writes.map((w) => (JSON.parse(w) as { event: string }).event)).toEqual(['session_revoked']);
  });
});
