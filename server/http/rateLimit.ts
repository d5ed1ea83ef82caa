import type { Clock } from '../clock.ts';
import { WidgetError } from '../errors.ts';

/**
 * Fixed-window counters in memory. Per node on purpose: a shared counter would
 * put a database write in front of every launch; with N nodes behind a balancer
 * the effective limit is N times the configured one (documented in the README).
 */
export interface RateLimiterOptions {
  windowMs?: number;
  /** Bounds memory under a flood of distinct keys (e.g. spoofed addresses behind a proxy). */
  maxKeys?: number;
  /** Told of every refused hit (metrics). */
  onRefused?: () => void;
}

export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly onRefused: () => void;

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
    { windowMs = 60_000, maxKeys = 50_000, onRefused = () => {} }: RateLimiterOptions = {},
  ) {
    this.windowMs = windowMs;
    this.maxKeys = maxKeys;
    this.onRefused = onRefused;
  }

  /** Counts one hit for `key`; throws rate_limited (with Retry-After) past the limit. */
  hit(key: string, what: string): void {
    this.ensureRoom(key, what);
    this.spend(key);
  }

  /** Throws rate_limited (with Retry-After) when `key` has no hit left in its window; spends nothing. */
  ensureRoom(key: string, what: string): void {
    const now = this.clock.now();
    const window = this.windowOf(key, now);
    if (window.count >= this.limit) {
      this.onRefused();
      const retryAfter = Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
      throw new WidgetError('rate_limited', `Too many ${what}; try again in ${retryAfter} s.`, { 'Retry-After': String(retryAfter) });
    }
  }

  /** Counts one hit for `key`, never refusing (ensureRoom decided that). */
  spend(key: string): void {
    this.windowOf(key, this.clock.now()).count += 1;
  }

  private windowOf(key: string, now: number): { start: number; count: number } {
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      if (!window && this.windows.size >= this.maxKeys) this.sweep(now);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.start >= this.windowMs) this.windows.delete(key);
    }
    // Still full of live windows: forget the oldest rather than grow without bound.
    if (this.windows.size >= this.maxKeys) this.windows.clear();
  }
}
