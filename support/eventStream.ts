// Reads a Server-Sent Events answer the way the widget does: a fetch body,
// parsed by lines (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).

export interface StreamEvent {
  id: string | null;
  event: string;
  data: string;
}

export interface EventStream {
  response: Response;
  /** The next event; rejects if the stream ends first. */
  next(): Promise<StreamEvent>;
  /** The next event's data, parsed, checking its type. */
  nextOf<T>(event: string): Promise<T & { eventId: string | null }>;
  /** Resolves when the server has closed the stream. */
  closed(): Promise<void>;
  close(): void;
}

export async function openEventStream(url: string, token: string | null, headers: Record<string, string> = {}): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    signal: controller.signal,
  });
  const queue: StreamEvent[] = [];
  const waiters: Array<{ resolve: (e: StreamEvent) => void; reject: (err: Error) => void }> = [];
  let ended = false;
  let endedResolve!: () => void;
  const endedPromise = new Promise<void>((resolve) => (endedResolve = resolve));

  const deliver = (event: StreamEvent) => {
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(event);
    else queue.push(event);
  };
  const finish = () => {
    ended = true;
    endedResolve();
    for (const w of waiters.splice(0)) w.reject(new Error('the stream ended'));
  };

  if (response.ok && response.body) {
    void (async () => {
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      let current: StreamEvent = { id: null, event: 'message', data: '' };
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline).replace(/\r$/, '');
            buffer = buffer.slice(newline + 1);
            if (line === '') {
              if (current.data !== '' || current.event !== 'message') deliver({ ...current, data: current.data.replace(/\n$/, '') });
              current = { id: null, event: 'message', data: '' };
            } else if (!line.startsWith(':')) {
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'id') current.id = value;
              else if (field === 'event') current.event = value;
              else if (field === 'data') current.data += `${value}\n`;
            }
          }
        }
      } catch {
        // aborted by close()
      }
      finish();
    })();
  } else {
    finish();
  }

  const next = () =>
    queue.length > 0 ? Promise.resolve(queue.shift()!) : ended ? Promise.reject(new Error('the stream ended')) : new Promise<StreamEvent>((resolve, reject) => waiters.push({ resolve, reject }));

  return {
    response,
    next,
    async nextOf<T>(event: string) {
      const got = await next();
      if (got.event !== event) throw new Error(`expected a "${event}" event, got "${got.event}": ${got.data}`);
      return { ...(JSON.parse(got.data) as T), eventId: got.id };
    },
    closed: () => endedPromise,
    close: () => controller.abort(),
  };
}
