import type { NoteEvent } from '../contract/liveEvents.ts';
import type { ApiClient } from './api.ts';

// Follows the thread's live stream (GET /api/notes/stream): Server-Sent Events
// read from a fetch body, because the token goes in the Authorization header
// and EventSource cannot send one. Resumes from the last event id it applied,
// so a reconnect neither loses nor repeats a change. Reconnects after a normal
// end (the token expired: the client has refreshed it by then) within a second,
// after errors with exponential backoff and jitter (up to 30 s); pauses while
// the tab is hidden; waits while the session is lapsed, over or refused (401),
// and starts again when it is back (the stream alone never wakes the host for a launch).

export interface LiveHandlers {
  onEvent(event: NoteEvent): void;
  /** The id was not this thread's (another context): reload the first page. */
  onReset(): void;
}

const MAX_BACKOFF_MS = 30_000;
const jitter = (ms: number) => ms / 2 + Math.random() * (ms / 2);

export function followThread(api: Pick<ApiClient, 'stream' | 'subscribe'>, from: string, handlers: LiveHandlers, doc: Document = document): () => void {
  let last = from;
  let running: AbortController | null = null;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  /** One SSE block: `id:`, `event:` and `data:` lines; comments (":") keep the connection warm. */
  function dispatch(block: string) {
    let id = '';
    let type = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      const value = line.slice(colon + 1).replace(/^ /, '');
      const field = line.slice(0, colon);
      if (field === 'id') id = value;
      else if (field === 'event') type = value;
      else if (field === 'data') data += value;
    }
    if (type === 'note') {
      handlers.onEvent(JSON.parse(data) as NoteEvent);
      last = id;
    } else if (type === 'reset') {
      last = (JSON.parse(data) as { lastEventId: string }).lastEventId;
      handlers.onReset();
    }
  }

  async function connect() {
    clearTimeout(timer);
    if (stopped || running || doc.visibilityState === 'hidden') return;
    const mine = (running = new AbortController());
    let delay = -1;
    try {
      const response = await api.stream('/api/notes/stream', last, mine.signal);
      // No live session (lapsed while idle, or over): the subscription below starts again when it is back.
      if (response?.ok && response.body) {
        failures = 0;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const blocks = (buffer + value).replace(/\r\n?/g, '\n').split('\n\n');
          buffer = blocks.pop()!;
          blocks.forEach(dispatch);
        }
        delay = 1000;
        // Refused (revoked, or the token expired just now): the session's next renewal starts it again.
      } else if (response && response.status !== 401) delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures++);
    } catch {
      delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures++);
    }
    if (running !== mine) return;
    running = null;
    if (delay >= 0) timer = setTimeout(() => void connect(), jitter(delay));
  }

  function pause() {
    clearTimeout(timer);
    running?.abort();
    running = null;
  }

  const onVisibility = () => (doc.visibilityState === 'hidden' ? pause() : void connect());
  doc.addEventListener('visibilitychange', onVisibility);
  const unsubscribe = api.subscribe((status) => status === 'active' && void connect());
  void connect();
  return () => {
    stopped = true;
    pause();
    doc.removeEventListener('visibilitychange', onVisibility);
    unsubscribe();
  };
}
