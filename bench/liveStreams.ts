import type { NoteEvent } from '../contract/liveEvents.ts';
import { openEventStream, type EventStream } from '../support/eventStream.ts';
import type { Launcher } from './scenarios.ts';
import type { ServerProcess } from './servers.ts';

// Live updates (issue 16), measured on the real server process:
// - idle streams held by one node and the memory they cost (RSS before and
//   after opening them, over the count), spread over many threads as widgets
//   on many pages would be;
// - the delay from a note's POST to its event arriving on every stream of its
//   thread (several receivers), with the idle streams still open. The widget
//   renders an event in well under a millisecond, so this is write-to-display
//   up to the paint.

export interface LiveStreamsResult {
  idleStreams: number;
  rssBefore: number | null;
  rssAfter: number | null;
  bytesPerStream: number | null;
  receivers: number;
  samples: number;
  /** Per write, the time until the last receiver had the event; p50 / p95 / max over the writes, in ms. */
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

const STREAMS_PER_SESSION = 4; // the server's default STREAM_MAX_PER_SESSION
const OPEN_BATCH = 50;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function openMany(url: string, launcher: Launcher, count: number, ctxOf: (i: number) => string): Promise<EventStream[]> {
  const streams: EventStream[] = [];
  const sessions = Math.ceil(count / STREAMS_PER_SESSION);
  for (let first = 0; first < sessions; first += OPEN_BATCH) {
    const batch = Array.from({ length: Math.min(OPEN_BATCH, sessions - first) }, (_, k) => first + k);
    const opened = await Promise.all(
      batch.map(async (s) => {
        const token = await launcher.session(url, ctxOf(s));
        const here = Math.min(STREAMS_PER_SESSION, count - s * STREAMS_PER_SESSION);
        return Promise.all(Array.from({ length: here }, () => openEventStream(`${url}/api/notes/stream`, token)));
      }),
    );
    for (const stream of opened.flat()) {
      if (stream.response.status !== 200) throw new Error(`a stream was refused: ${stream.response.status}`);
      streams.push(stream);
    }
  }
  return streams;
}

export async function measureLiveStreams(server: ServerProcess, launcher: Launcher, options: { idleStreams: number; receivers: number; samples: number }): Promise<LiveStreamsResult> {
  // Warm the stream code path first, so its one-time cost is not counted per stream.
  for (const s of await openMany(server.url, launcher, 8, (i) => `bench:live-warm-${i}`)) s.close();
  await sleep(500);
  const rssBefore = server.rss();
  const idle = await openMany(server.url, launcher, options.idleStreams, (i) => `bench:live-idle-${i}`);
  await sleep(1000);
  const rssAfter = server.rss();

  const ctx = 'bench:live-delivery';
  const receivers = await openMany(server.url, launcher, options.receivers, () => ctx);
  const writer = await launcher.session(server.url, ctx);
  const delays: number[] = [];
  try {
    for (let i = 0; i < options.samples; i++) {
      const body = `live ${i}`;
      const started = performance.now();
      const arrived = receivers.map(async (stream) => {
        for (;;) {
          const event = await stream.nextOf<NoteEvent>('note');
          if (event.kind === 'created' && event.note.body === body) return performance.now();
        }
      });
      const response = await fetch(`${server.url}/api/notes`, { method: 'POST', headers: { Authorization: `Bearer ${writer}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ body }) });
      if (response.status !== 201) throw new Error(`the write answered ${response.status}`);
      delays.push(Math.max(...(await Promise.all(arrived))) - started);
      await sleep(50);
    }
  } finally {
    for (const s of [...idle, ...receivers]) s.close();
  }
  const sorted = [...delays].sort((a, b) => a - b);
  return {
    idleStreams: idle.length,
    rssBefore,
    rssAfter,
    bytesPerStream: rssBefore !== null && rssAfter !== null ? Math.max(0, rssAfter - rssBefore) / idle.length : null,
    receivers: receivers.length,
    samples: delays.length,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    maxMs: sorted[sorted.length - 1]!,
  };
}
