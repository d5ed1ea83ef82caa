import fs from 'node:fs';
import path from 'node:path';

/**
 * fsync of a SQLite database's write-ahead log, on libuv's thread pool instead
 * of the event loop, shared by every commit that was written before it began
 * (group commit): N commits waiting together cost one fsync, not N.
 *
 * `sync()` resolves once an fsync that started after the call has finished, so
 * every WAL frame written before the call is on disk. The file is reopened
 * when SQLite has replaced it (a new inode), and its folder is synced once, so
 * that a WAL created since is found after a power loss.
 */
export class WalSync {
  private handle: { fd: fs.promises.FileHandle; ino: number } | null = null;
  private current: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  /** fsyncs run so far (tests count them). */
  syncs = 0;

  constructor(private readonly walPath: string) {}

  static forDatabase(filename: string): WalSync {
    return new WalSync(`${filename}-wal`);
  }

  sync(): Promise<void> {
    // One in flight may have started before our commit was written: wait for the one after it.
    if (this.next) return this.next;
    if (!this.current) return this.start();
    const next = this.current.then(
      () => this.start(),
      () => this.start(),
    );
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
    // The common case in one round trip to the thread pool: the fsync and the check that the
    // file is still the one SQLite writes run side by side; a replaced file is synced again.
    if (this.handle) {
      const [stat] = await Promise.all([this.statWal(), this.handle.fd.sync()]);
      if (stat === null || stat.ino === this.handle.ino) {
        this.syncs++;
        return;
      }
    }
    const stat = await this.statWal();
    // No WAL: everything committed is in the database file, synced by whoever checkpointed it.
    if (!stat) return;
    await this.handle?.fd.close();
    this.handle = { fd: await fs.promises.open(this.walPath, 'r'), ino: stat.ino };
    const dir = await fs.promises.open(path.dirname(this.walPath), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    await this.handle.fd.sync();
    this.syncs++;
  }

  private statWal(): Promise<fs.Stats | null> {
    return fs.promises.stat(this.walPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
  }

  async close(): Promise<void> {
    await this.current?.catch(() => {});
    await this.handle?.fd.close();
    this.handle = null;
  }
}
