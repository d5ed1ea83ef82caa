import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NoteEvent } from '../../contract/liveEvents.ts';
import type { Note } from '../../contract/notes.ts';
import type { SessionListener } from '../../widget/api.ts';
import { followThread } from '../../widget/liveNotes.ts';

// The widget's side of GET /api/notes/stream: SSE parsed from a fetch body,
// resumed by the last id, paused while hidden, backed off on errors, and never
// retried while the session is lapsed.

const note = (id: string, version = 1): Note => ({ id, body: `body ${id}`, author: { id: 'u', name: 'U' }, createdAt: '', updatedAt: '', version });

/** A streamed answer the test writes to and ends by hand. */
function sseResponse() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }),
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
}

class FakeDocument extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible';
  show(state: DocumentVisibilityState) {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

function fakeApi(answers: Array<() => Response | null>) {
  let listener: SessionListener | null = null;
  const calls: Array<{ lastEventId: string; signal: AbortSignal }> = [];
  const api = {
    stream: vi.fn(async (_path: string, lastEventId: string, signal: AbortSignal) => {
      calls.push({ lastEventId, signal });
      const next = answers.shift();
      if (!next) return new Promise<Response>(() => {});
      return next();
    }),
    subscribe: (l: SessionListener) => {
      listener = l;
      return () => (listener = null);
    },
  };
  return { api, calls, emit: (status: 'active' | 'expired') => listener?.(status) };
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
};

let stop: (() => void) | null = null;
beforeEach(() => {
  vi.spyOn(Math, 'random').mockReturnValue(1);
});
afterEach(() => {
  stop?.();
  stop = null;
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('following a thread live', () => {
  it('applies note events in order, ignores comments, and resumes from the last id after the server ends the stream', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const first = sseResponse();
    const { api, calls } = fakeApi([() => first.response]);
    const events: NoteEvent[] = [];
    stop = followThread(api, '7', { onEvent: (e) => events.push(e), onReset() {} }, new FakeDocument() as unknown as Document);
    await flush();
    expect(calls[0]!.lastEventId).toBe('7');
    first.write(': stream open\n\nid: 8\nevent: note\ndata: {"kind":"created","note":');
    first.write(`${JSON.stringify(note('a'))}}\n\n:\n\nid: 9\r\nevent: note\r\ndata: {"kind":"deleted","id":"a"}\r\n\r\n`);
    await flush();
    expect(events).toEqual([{ kind: 'created', note: note('a') }, { kind: 'deleted', id: 'a' }]);
    first.write('event: end\ndata: {"reason":"token_expired"}\n\n');
    first.end();
    await flush();
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.lastEventId).toBe('9');
  });

  it('reloads on reset and goes on from the id the server gave', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const first = sseResponse();
    const { api, calls } = fakeApi([() => first.response]);
    const onReset = vi.fn();
    stop = followThread(api, '99', { onEvent() {}, onReset }, new FakeDocument() as unknown as Document);
    await flush();
    first.write('event: reset\ndata: {"lastEventId":"4"}\n\n');
    first.end();
    await flush();
    expect(onReset).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls[1]!.lastEventId).toBe('4');
  });

  it('pauses while the tab is hidden and resumes from the last id when it is visible again', async () => {
    const first = sseResponse();
    const { api, calls } = fakeApi([() => first.response]);
    const doc = new FakeDocument();
    stop = followThread(api, '1', { onEvent() {}, onReset() {} }, doc as unknown as Document);
    await flush();
    first.write(`id: 2\nevent: note\ndata: ${JSON.stringify({ kind: 'created', note: note('b') })}\n\n`);
    await flush();
    doc.show('hidden');
    expect(calls[0]!.signal.aborted).toBe(true);
    await flush();
    expect(calls).toHaveLength(1);
    doc.show('visible');
    await flush();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.lastEventId).toBe('2');
  });

  it('does not connect while hidden at start', async () => {
    const { api, calls } = fakeApi([]);
    const doc = new FakeDocument();
    doc.visibilityState = 'hidden';
    stop = followThread(api, '1', { onEvent() {}, onReset() {} }, doc as unknown as Document);
    await flush();
    expect(calls).toHaveLength(0);
  });

  it('backs off exponentially after errors, up to 30 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const failing = () => new Response('{}', { status: 503 });
    const { api, calls } = fakeApi(Array.from({ length: 8 }, () => failing));
    stop = followThread(api, '1', { onEvent() {}, onReset() {} }, new FakeDocument() as unknown as Document);
    await flush();
    // With Math.random() at 1 the jitter adds nothing: 1 s, 2 s, 4 s, ... capped at 30 s.
    for (const wait of [1000, 2000, 4000, 8000, 16000, 30000, 30000]) {
      const before = calls.length;
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(calls.length).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls.length).toBe(before + 1);
    }
  });

  it('after a 401 (revoked, or just expired), waits for the session to be renewed instead of retrying', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { api, calls, emit } = fakeApi([() => new Response('{}', { status: 401 })]);
    stop = followThread(api, '3', { onEvent() {}, onReset() {} }, new FakeDocument() as unknown as Document);
    await flush();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(1);
    emit('active');
    await flush();
    expect(calls).toHaveLength(2);
  });

  it('waits while the session is lapsed (no retries), and starts again when it is active', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { api, calls, emit } = fakeApi([() => null]);
    stop = followThread(api, '3', { onEvent() {}, onReset() {} }, new FakeDocument() as unknown as Document);
    await flush();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(1);
    emit('active');
    await flush();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.lastEventId).toBe('3');
  });
});
