import fs from 'node:fs';
import path from 'node:path';

// SQLite reports every path problem as "unable to open database file", and
// mkdir as EEXIST or ENOTDIR: an operator needs to hear which path is wrong and why.

/** A SQLite path that cannot work, said in words. */
export class SqliteFileError extends Error {
  override name = 'SqliteFileError';
}

const who = () => (typeof process.getuid === 'function' ? `this user (uid ${process.getuid()})` : 'this user');

/** The error access(2) gives, or null when this process may use `target` in `mode`. */
function accessDenied(target: string, mode: number): NodeJS.ErrnoException | null {
  try {
    fs.accessSync(target, mode);
    return null;
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

function notWritable(target: string, what: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'EROFS') return `${what} ${target} is on a read-only file system`;
  return `${what} ${target} is not writable by ${who()}`;
}

/** The nearest existing path at or above `target`. */
function nearestExisting(target: string): string {
  let dir = target;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/**
 * Makes sure SQLite can use `filename` before knex opens it: creates its
 * folder, and otherwise throws a SqliteFileError naming the path in the way
 * (a file where a folder should be, the database path being a folder, a file
 * or folder this user cannot write). SQLite writes its journal (FILE-wal,
 * FILE-shm) beside the database, so the folder must be writable too.
 */
export function prepareSqliteFile(filename: string): void {
  const file = path.resolve(filename);
  const folder = path.dirname(file);
  const existing = nearestExisting(folder);
  if (!fs.statSync(existing).isDirectory()) {
    throw new SqliteFileError(`${existing} is a file, not a folder, so the SQLite database ${file} cannot be created under it; fix the path in DATABASE_URL`);
  }
  if (existing !== folder) {
    const denied = accessDenied(existing, fs.constants.W_OK | fs.constants.X_OK);
    if (denied) throw new SqliteFileError(`cannot create the folder ${folder} for the SQLite database: ${notWritable(existing, 'the folder', denied)}`);
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  }
  if (fs.existsSync(file)) {
    if (fs.statSync(file).isDirectory()) throw new SqliteFileError(`${file} is a folder, not a SQLite database file; point DATABASE_URL=sqlite:PATH at a file`);
    const denied = accessDenied(file, fs.constants.R_OK | fs.constants.W_OK);
    if (denied) throw new SqliteFileError(`cannot open the SQLite database: ${notWritable(file, 'the file', denied)}`);
  }
  const denied = accessDenied(folder, fs.constants.W_OK | fs.constants.X_OK);
  if (denied) throw new SqliteFileError(`cannot open the SQLite database ${file}: ${notWritable(folder, 'its folder', denied)} (SQLite creates the database and its -wal and -shm files there)`);
  keepPrivate(file);
}

/**
 * The database holds sessions, notes and (sealed) secrets: only our own user
 * may read it. The file is created 0600 before SQLite opens it, and SQLite
 * gives its -wal and -shm files the mode of the database file; files left
 * readable by an older version are tightened.
 */
function keepPrivate(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const existing of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((fs.statSync(existing).mode & 0o077) !== 0) fs.chmodSync(existing, 0o600);
    } catch (err) {
      // Gone, or owned by another user who chose its mode: not ours to change.
      if (!['ENOENT', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
}
