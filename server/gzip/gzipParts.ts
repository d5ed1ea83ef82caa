import zlib from 'node:zlib';
import { crc32Combine } from './crc32Combine.ts';

// A gzip answer (RFC 1952) put together from parts made separately, so a part
// shared by many answers (most of a launch page) is compressed once and only
// the parts that differ per answer are made per answer.
//
// Each part is raw deflate (RFC 1951): from a compressor of its own, ended with
// a sync flush (deflatePart), or stored blocks (storedPart). Either way its
// last block is not final and ends on a byte boundary, and no back-reference
// reaches before its own start. Such parts can follow each
// other in any order in one deflate stream; an empty final block ends it. The
// trailer's CRC-32 of the whole is combined from the parts' own, and its length
// is the sum of theirs.

export interface DeflatedPart {
  /** The part's bytes as they are. */
  raw: Buffer;
  /** Raw deflate of `raw`, ending with a sync flush (byte-aligned, no final block). */
  deflated: Buffer;
  crc: number;
}

/**
 * Compresses one part. `level` 9 is for a part made once and sent many times;
 * per-answer parts are small, where 6 finds as much.
 */
export function deflatePart(raw: Buffer, level = 6): DeflatedPart {
  // A window no larger than the part finds every match there is, and its tables shrink with it:
  // zlib's defaults allocate and zero about 256 kB per compressor, which a part of 1 kB
  // compresses as well in 12 kB (windowBits 10, memLevel 4).
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(raw.length + 1))));
  const memLevel = Math.min(8, Math.max(1, windowBits - 6));
  return { raw, deflated: zlib.deflateRawSync(raw, { level, windowBits, memLevel, finishFlush: zlib.constants.Z_SYNC_FLUSH }), crc: zlib.crc32(raw) };
}

const STORED_BLOCK_MAX = 0xffff;

/**
 * A part sent as it is, in deflate's stored blocks (RFC 1951 section 3.2.4), for
 * a part made for one answer only: a few hundred bytes of a launch page (the
 * nonce, the token) that deflate shrank by a quarter at the cost of a zlib
 * stream set up and torn down per part, 8-11 us each (docs/benchmark.md).
 */
export function storedPart(raw: Buffer): DeflatedPart {
  const blocks: Buffer[] = [];
  // A stored block holds at most 65,535 bytes; an empty part still needs one block.
  for (let at = 0; at === 0 || at < raw.length; at += STORED_BLOCK_MAX) {
    const chunk = raw.subarray(at, at + STORED_BLOCK_MAX);
    const header = Buffer.alloc(5);
    // BFINAL 0, BTYPE 00, then padding to the byte boundary, LEN and its one's complement.
    header.writeUInt16LE(chunk.length, 1);
    header.writeUInt16LE(~chunk.length & 0xffff, 3);
    blocks.push(header, chunk);
  }
  return { raw, deflated: Buffer.concat(blocks), crc: zlib.crc32(raw) };
}

// ID1 ID2, CM 8 (deflate), no flags, no mtime, XFL 0, OS 3 (Unix, as zlib writes it).
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
// A final fixed-Huffman block holding only its end-of-block code.
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);

/** One gzip member whose content is the parts' bytes, in order. */
export function gzipOfParts(parts: readonly DeflatedPart[]): Buffer {
  let crc = 0;
  let length = 0;
  for (const part of parts) {
    crc = crc32Combine(crc, part.crc, part.raw.length);
    length += part.raw.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc, 0);
  // ISIZE is the length modulo 2^32.
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, ...parts.map((p) => p.deflated), FINAL_EMPTY_BLOCK, trailer]);
}
