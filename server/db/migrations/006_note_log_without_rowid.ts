import { withoutRowidMigration } from './rebuildSqliteTable.ts';

// Every note change writes a row of note_threads and of note_events (003). On
// SQLite a table with a primary key other than an integer is two b-trees: the
// rows by rowid, and the key's index pointing at them; each change wrote a page
// of both. WITHOUT ROWID keeps the rows in the key's b-tree itself: a note create
// writes 6 pages to the WAL instead of 7, and a thread's seq is found in one
// b-tree instead of two (docs/benchmark.md, issue 17 round 3). Both tables have
// small rows, the case SQLite recommends it for; notes, whose bodies reach
// 4,000 characters, stay as they are. PostgreSQL stores every table apart from
// its indexes whatever it is told: nothing to do there.

export const { up, down } = withoutRowidMigration(['note_threads', 'note_events']);
