import fs from 'node:fs';
import path from 'node:path';

/**
 * fsync of a SQLite database's write-ahead log, on libuv's thread pool instead
 * of the event loop, shared by every commit that was written before it began
 * (group commit): N commits waiting together cost one fsync, not N.
 *
 * `sync()` resolves once an fsync that started after the call has finished, so
 * every WAL frame written before the call is on disk. The file is opened at the
 * first sync, and its folder synced then, so that a WAL created since is found
 * after a power loss.
 *
 * It stays the same file for as long as the writer connection is open (a
 * WalSync lives and dies with it, durableCommits.ts): SQLite deletes a WAL only
 * when the last connection to the database closes, or when the journal mode
 * changes, and both need an exclusive lock on the database file, which no one
 * gets while the writer holds its shared one (a WAL-mode connection holds it
 * from its first transaction until it closes). So the path is not checked
 * beside each fsync: that check was a second trip to the thread pool per sync,
 * 35-45 us of CPU each (docs/benchmark.md, issue 17 round 3).
 */
export class WalSync {
  private handle: fs.promises.FileHandle | null = null;
  private current: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  /** fsyncs run so far (tests count them). */
  syncs = 0;

  constructor(private readonly walPath: string) {}

  static forDatabase(filename: string): WalSync {
    return new WalSync(`${filename}-wal`);
  }

  sync(): Promise<void> {
    if (this.next) return this.next;
    // Started at the end of this turn of the event loop, not at once: the requests read in the same
    // turn commit first and share it, instead of the first taking one alone and the rest the next.
    // One in flight may have started before our commit was written: wait for the one after it.
    const inFlight = this.current;
    const next = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => inFlight?.catch(() => {}))
      .then(() => this.start());
    this.next = next;
    return next;
  }

  private start(): Promise<void> {
    this.next = null;
    const run = this.fsync().finally(() => {
      if (this.current === run) this.current = null;
    });
    this.current = run;
    return run;
  }

  private async fsync(): Promise<void> {
    if (!this.handle) {
      const fd = await fs.promises.open(this.walPath, 'r').catch((err: NodeJS.ErrnoException) => {
        // No WAL: everything committed is in the database file, synced by whoever checkpointed it.
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      if (!fd) return;
      const dir = await fs.promises.open(path.dirname(this.walPath), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      this.handle = fd;
    }
    await this.handle.sync();
    this.syncs++;
  }

  async close(): Promise<void> {
    // A sync requested in this turn has not started yet: let it run before the file is closed.
    await this.next?.catch(() => {});
    await this.current?.catch(() => {});
    await this.handle?.close();
    this.handle = null;
  }
}
