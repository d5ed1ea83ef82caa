import { withoutRowidMigration } from './rebuildSqliteTable.ts';

// Every launch inserts a row of launch_jtis and of sessions (001). On SQLite
// each is two b-trees besides its other indexes (the rows by rowid, and the
// primary key's index pointing at them), and the insert wrote a page of both.
// WITHOUT ROWID keeps the rows in the key's b-tree, as 006 did for the note log:
// a page less in the WAL for each (docs/benchmark.md, issue 17 round 3). Both
// have small rows, and no foreign key references either. A no-op on PostgreSQL.

export const { up, down } = withoutRowidMigration(['launch_jtis', 'sessions']);
