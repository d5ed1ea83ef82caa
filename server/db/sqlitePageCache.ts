// SQLite's page cache per connection. better-sqlite3 is compiled with a 16 MB
// default (SQLITE_DEFAULT_CACHE_SIZE=-16000), not SQLite's own 2 MB: the writer
// kept every page it had written until 16 MB, and the reader every page it had
// read since the last commit, which made most of a long run's growth of the
// server's memory. 2 MB each (512 pages of 4 kB) holds what the writes touch
// (the right edges and the inner pages of each b-tree) and a thread's pages on
// the reader. Measured on 40,000 notes in 400 threads, read in random order
// (docs/benchmark.md, issue 17 round 3): peak RSS 147-154 MB -> 125-127 MB;
// the reader then reads about 20 pages per first page of notes from the OS
// (pread) instead of its cache, with no CPU difference the measure could see.
const PAGE_CACHE_KIB = 2048;

interface SqliteConnection {
  pragma(sql: string): unknown;
}

/** Bounds the page cache of a SQLite connection (the writer in connect.ts, the reader in sqliteReader.ts). */
export function boundPageCache(conn: SqliteConnection): void {
  // A negative cache_size is in KiB, whatever the page size.
  conn.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
}
