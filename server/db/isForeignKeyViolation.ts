// A row that names a parent row which is gone (a tenant removed meanwhile), as
// SQLite (better-sqlite3) and PostgreSQL report it.
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
