// A small seeded generator (mulberry32) so that a failing fuzz or load run can
// be replayed exactly: the seed is printed with every figure and failure.

export interface Random {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  bytes(length: number): Buffer;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (maxExclusive: number) => Math.floor(next() * maxExclusive);
  return {
    seed,
    next,
    int,
    pick: (items) => items[int(items.length)]!,
    chance: (p) => next() < p,
    bytes: (length) => {
      const out = Buffer.alloc(length);
      for (let i = 0; i < length; i++) out[i] = int(256);
      return out;
    },
  };
}

/** RELIABILITY_SEED when set (to replay a run), otherwise the given default. */
export function seedFromEnv(fallback: number): number {
  const raw = process.env.RELIABILITY_SEED;
  return raw && /^\d+$/.test(raw) ? Number(raw) : fallback;
}
