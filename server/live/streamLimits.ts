import { WidgetError } from '../errors.ts';

// Open streams are bounded per session (a page with a few widgets, a
// reconnect racing its old stream) and per node (each costs a socket and a
// little memory): past either, 429 too_many_streams, never an unbounded pile.

export interface StreamLimitOptions {
  perSession: number;
  perNode: number;
}

/** Seconds a refused client should wait: a closing stream frees its slot within a re-check. */
const RETRY_AFTER_SECONDS = 5;

export class StreamLimits {
  private readonly bySession = new Map<string, number>();
  private total = 0;

  constructor(private readonly options: StreamLimitOptions) {}

  get open(): number {
    return this.total;
  }

  /** Takes a slot or throws too_many_streams; call the returned function exactly once when the stream ends. */
  acquire(sessionId: string): () => void {
    const mine = this.bySession.get(sessionId) ?? 0;
    const refuse = (message: string) => new WidgetError('too_many_streams', message, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    if (mine >= this.options.perSession) throw refuse(`This session already has ${mine} open streams; close one first.`);
    if (this.total >= this.options.perNode) throw refuse('This server holds as many streams as it can; try again shortly.');
    this.bySession.set(sessionId, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.bySession.get(sessionId) ?? 1) - 1;
      if (left > 0) this.bySession.set(sessionId, left);
      else this.bySession.delete(sessionId);
    };
  }
}
