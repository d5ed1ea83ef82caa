// CRC-32 (the gzip trailer's) of two byte strings joined, from the CRC of each
// and the second's length: a part compressed and summed once can be spliced into
// many answers without reading its bytes again. zlib's crc32_combine (which
// Node does not expose), by its method: multiplying by x^(8 * length) modulo
// the CRC polynomial, in the bit-reflected form CRC-32 uses.

const POLY = 0xedb88320;

/** a * b modulo the polynomial; both reflected, x^0 in bit 31. */
function multModP(a: number, b: number): number {
  let product = 0;
  for (let m = 0x80000000; m !== 0; m >>>= 1) {
    if ((a & m) !== 0) product ^= b;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** X_POW_2N[k] = x^(2^k) modulo the polynomial. */
const X_POW_2N: number[] = [0x40000000]; // x^1
for (let k = 1; k < 32; k++) X_POW_2N.push(multModP(X_POW_2N[k - 1]!, X_POW_2N[k - 1]!));

/** x^(n * 2^k) modulo the polynomial. */
function xPowModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  for (; n > 0; n = Math.floor(n / 2), k++) {
    if (n % 2 === 1) p = multModP(X_POW_2N[k % 32]!, p);
  }
  return p;
}

/** The CRC-32 of A followed by B, given crc32(A), crc32(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(xPowModP(lengthB, 3), crcA) ^ crcB) >>> 0;
}
