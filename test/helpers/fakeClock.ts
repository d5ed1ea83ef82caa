import type { Clock } from '../../server/clock.ts';

export class FakeClock implements Clock {
  constructor(private ms = Date.UTC(2026, 10, 25, 12, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  nowSec(): number {
    return Math.floor(this.ms / 1000);
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
