import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { readPeakRss, readRss, resetPeakRss } from '../../bench/servers.ts';

const MB = 1024 * 1024;

// The bench's peak RSS (the "< 120 MB" goal) is the kernel's high-water mark, reset at
// the start of each window: a sample every 100 ms misses memory that comes and goes between two.
describe.skipIf(process.platform !== 'linux')('peak RSS of a server process in the bench', () => {
  it('catches memory that was taken and given back between two looks, and starts afresh on reset', async () => {
    const child = spawn(process.execPath, [
      '--expose-gc',
      '-e',
      `let spike = Buffer.alloc(${96 * MB}, 1); spike = null; gc(); gc(); process.stdout.write('freed\\n'); setInterval(() => {}, 1000);`,
    ]);
    try {
      await once(child.stdout, 'data');
      const now = readRss(child.pid)!;
      expect(readPeakRss(child.pid!)).toBeGreaterThan(now + 64 * MB);
      expect(resetPeakRss(child.pid!)).toBe(true);
      expect(readPeakRss(child.pid!)).toBeLessThan(now + 16 * MB);
    } finally {
      child.kill();
    }
  });
});
