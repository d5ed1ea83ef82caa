import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32Combine } from '../../server/gzip/crc32Combine.ts';
import { deflatePart, gzipOfParts, storedPart } from '../../server/gzip/gzipParts.ts';

// A launch page is one gzip member spliced from parts compressed apart
// (server/gzip/gzipParts.ts): any gzip reader must read back exactly the parts' bytes.

const text = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `line ${i % 97} of a note, `).join('').slice(0, n), 'latin1');

describe('crc32Combine', () => {
  it.each([
    [0, 0],
    [0, 7],
    [7, 0],
    [1, 1],
    [100, 3000],
    [5, 65_537],
    [1 << 20, 12_345],
  ])('gives the CRC-32 of %i bytes followed by %i bytes', (lengthA, lengthB) => {
    const [a, b] = [crypto.randomBytes(lengthA), crypto.randomBytes(lengthB)];
    expect(crc32Combine(zlib.crc32(a), zlib.crc32(b), lengthB)).toBe(zlib.crc32(Buffer.concat([a, b])));
  });
});

describe('a gzip member spliced from parts compressed apart', () => {
  it('reads back as the parts joined, in order, with a correct CRC and length', () => {
    const parts = [text(500), text(40_000), crypto.randomBytes(700), Buffer.alloc(0), text(3)];
    const member = gzipOfParts(parts.map((p) => deflatePart(p)));
    // gunzip checks the trailer's CRC-32 and length, and fails on a stream that does not end.
    expect(zlib.gunzipSync(member).equals(Buffer.concat(parts))).toBe(true);
    expect(member.length).toBeLessThan(Buffer.concat(parts).length / 4);
  });

  it('reads back when streamed to a decoder in small pieces (as a browser receives it)', async () => {
    const parts = [text(1_000), text(70_000), text(1_000)];
    const member = gzipOfParts(parts.map((p, i) => deflatePart(p, i === 1 ? 9 : 6)));
    const gunzip = zlib.createGunzip();
    const chunks: Buffer[] = [];
    gunzip.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise((resolve, reject) => gunzip.on('end', resolve).on('error', reject));
    for (let i = 0; i < member.length; i += 97) gunzip.write(member.subarray(i, i + 97));
    gunzip.end();
    await done;
    expect(Buffer.concat(chunks).equals(Buffer.concat(parts))).toBe(true);
  });

  it('shares one compressed part between members whose other parts differ', () => {
    const shared = deflatePart(text(30_000), 9);
    for (const [before, after] of [[text(10), text(20)], [crypto.randomBytes(300), Buffer.from('tail')]] as const) {
      const member = gzipOfParts([deflatePart(before), shared, deflatePart(after)]);
      expect(member.includes(shared.deflated)).toBe(true);
      expect(zlib.gunzipSync(member).equals(Buffer.concat([before, shared.raw, after]))).toBe(true);
    }
  });

  it("reads back with stored parts (each launch's own bytes) between deflated ones, empty and over 64 KiB included", () => {
    const shared = deflatePart(text(30_000), 9);
    const [head, empty, big, tail] = [crypto.randomBytes(374), Buffer.alloc(0), crypto.randomBytes(0xffff * 2 + 3), text(721)];
    const member = gzipOfParts([storedPart(head), shared, storedPart(empty), storedPart(big), storedPart(tail)]);
    expect(zlib.gunzipSync(member).equals(Buffer.concat([head, shared.raw, empty, big, tail]))).toBe(true);
    // As they are: five bytes of block header per 65,535 bytes, nothing more.
    expect(storedPart(head).deflated.length).toBe(head.length + 5);
    expect(storedPart(big).deflated.length).toBe(big.length + 3 * 5);
  });

  it('is refused by gunzip when a part is left out (the trailer covers every part)', () => {
    const parts = [text(100), text(200)].map((p) => deflatePart(p));
    const member = gzipOfParts(parts);
    const withoutSecond = Buffer.concat([member.subarray(0, 10 + parts[0]!.deflated.length), member.subarray(10 + parts[0]!.deflated.length + parts[1]!.deflated.length)]);
    expect(() => zlib.gunzipSync(withoutSecond)).toThrow();
  });
});
