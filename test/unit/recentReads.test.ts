import { describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/connect.ts';
import { recentReads } from '../../server/db/recentReads.ts';

// recentReads only tells database handles apart; two plain objects stand for two nodes.
const nodeA = {} as Db;
const nodeB = {} as Db;

interface State {
  live: boolean;
  n: number;
}

function counted() {
  let loads = 0;
  const load = (state: State | undefined) => async () => {
    loads++;
    return state;
  };
  return { load, loads: () => loads };
}

describe('recentReads', () => {
  const reads = () => recentReads<State>({ maxEntries: 8, keep: (s) => s.live });

  it('answers from a read younger than maxAgeMs, and reads again once it is that old', async () => {
    const memo = reads();
    const { load, loads } = counted();
    expect(await memo.read(nodeA, 'x', 1000, 500, load({ live: true, n: 1 }))).toEqual({ live: true, n: 1 });
    expect(await memo.read(nodeA, 'x', 1499, 500, load({ live: true, n: 2 }))).toEqual({ live: true, n: 1 });
    expect(await memo.read(nodeA, 'x', 1500, 500, load({ live: true, n: 3 }))).toEqual({ live: true, n: 3 });
    expect(loads()).toBe(2);
  });

  it('reads every time when maxAgeMs is 0', async () => {
    const memo = reads();
    const { load, loads } = counted();
    await memo.read(nodeA, 'x', 1000, 0, load({ live: true, n: 1 }));
    await memo.read(nodeA, 'x', 1000, 0, load({ live: true, n: 1 }));
    expect(loads()).toBe(2);
  });

  it('never remembers what keep refuses (a revoked session), nor an unknown id', async () => {
    const memo = reads();
    const { load, loads } = counted();
    await memo.read(nodeA, 'x', 1000, 500, load({ live: false, n: 1 }));
    await memo.read(nodeA, 'x', 1001, 500, load({ live: false, n: 1 }));
    await memo.read(nodeA, 'y', 1000, 500, load(undefined));
    await memo.read(nodeA, 'y', 1001, 500, load(undefined));
    expect(loads()).toBe(4);
  });

  it('forgets one id, or all, at once: the next read goes to the database', async () => {
    const memo = reads();
    const { load, loads } = counted();
    await memo.read(nodeA, 'x', 1000, 500, load({ live: true, n: 1 }));
    await memo.read(nodeA, 'y', 1000, 500, load({ live: true, n: 1 }));
    memo.forget(nodeA, 'x');
    expect(await memo.read(nodeA, 'x', 1001, 500, load({ live: false, n: 2 }))).toEqual({ live: false, n: 2 });
    expect(await memo.read(nodeA, 'y', 1001, 500, load({ live: true, n: 2 }))).toEqual({ live: true, n: 1 });
    memo.forget(nodeA);
    expect(await memo.read(nodeA, 'y', 1002, 500, load({ live: false, n: 3 }))).toEqual({ live: false, n: 3 });
    expect(loads()).toBe(4);
  });

  it('does not remember a read that was in flight when a forget came (it may predate the change)', async () => {
    const memo = reads();
    let finish!: (state: State) => void;
    const slow = memo.read(nodeA, 'x', 1000, 500, () => new Promise<State>((resolve) => (finish = resolve)));
    memo.forget(nodeA, 'x'); // a revocation commits while the read is under way
    finish({ live: true, n: 1 });
    expect(await slow).toEqual({ live: true, n: 1 });
    const { load, loads } = counted();
    expect(await memo.read(nodeA, 'x', 1001, 500, load({ live: false, n: 2 }))).toEqual({ live: false, n: 2 });
    expect(loads()).toBe(1);
  });

  it('reads again when the clock went back, and keeps each node to what it read itself', async () => {
    const memo = reads();
    const { load, loads } = counted();
    await memo.read(nodeA, 'x', 1000, 500, load({ live: true, n: 1 }));
    expect(await memo.read(nodeA, 'x', 999, 500, load({ live: true, n: 2 }))).toEqual({ live: true, n: 2 });
    expect(await memo.read(nodeB, 'x', 999, 500, load({ live: true, n: 3 }))).toEqual({ live: true, n: 3 });
    memo.forget(nodeB);
    expect(await memo.read(nodeA, 'x', 1000, 500, load({ live: true, n: 4 }))).toEqual({ live: true, n: 2 });
    expect(loads()).toBe(3);
  });
});
