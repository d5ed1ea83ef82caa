// Structured JSON lines. Callers pass fields, never whole requests, so tokens,
// secrets and host user ids do not reach the log by accident.
//
// Written with synchronous writes (stdout to a file or a pipe): an audit, warn
// or error line logged is a line kept, even if the process dies right after.
// pino was measured against this and cost more CPU per request line
// (docs/benchmark.md).

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Fields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: Fields): void;
  info(event: string, fields?: Fields): void;
  warn(event: string, fields?: Fields): void;
  error(event: string, fields?: Fields): void;
  /**
   * A security audit line (a refused launch, a key rotation): level "warn",
   * marked `audit: true`, and written whatever LOG_LEVEL says.
   */
  audit(event: string, fields?: Fields): void;
}

const ignore = () => {};

const stdoutLine = (line: string) => void process.stdout.write(line + '\n');

/**
 * `coalesce` (the server's stdout logger): debug and info lines written in the
 * same turn of the event loop go out in one write at its end, instead of one
 * write(2) each (the request log line was the largest part of its 7-8 us per
 * request). Audit, warn and error lines are never held: each first writes what
 * is queued, then itself, synchronously, so order is kept and no audit line can
 * be lost. What coalescing can lose: the request lines of the last turn, if the
 * process is killed (kill -9) during it; a normal exit writes them.
 */
export function jsonLogger(write: (line: string) => void = stdoutLine, { level = 'info', coalesce = false }: { level?: LogLevel; coalesce?: boolean } = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  let queued: string[] = [];
  const flush = () => {
    if (queued.length === 0) return;
    const lines = queued;
    queued = [];
    write(lines.join('\n'));
  };
  if (coalesce) process.once('exit', flush);
  // Built as text rather than spread into one object: the fields object is serialised as it is.
  const format = (name: LogLevel, audit: boolean, event: string, fields: Fields | undefined) => {
    const head = `{"time":"${new Date().toISOString()}","level":"${name}"${audit ? ',"audit":true' : ''},"event":${JSON.stringify(event)}`;
    const rest = fields === undefined ? '{}' : JSON.stringify(fields);
    return rest === '{}' ? head + '}' : head + ',' + rest.slice(1);
  };
  const now = (name: LogLevel, audit = false) => (event: string, fields?: Fields) => {
    flush();
    write(format(name, audit, event, fields));
  };
  const later = (name: LogLevel) => (event: string, fields?: Fields) => {
    if (queued.push(format(name, false, event, fields)) === 1) setImmediate(flush);
  };
  const line = (name: LogLevel) => (coalesce && (name === 'debug' || name === 'info') ? later(name) : now(name));
  const at = (name: LogLevel) => (LOG_LEVELS.indexOf(name) >= threshold ? line(name) : ignore);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), audit: now('warn', true) };
}

export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore, audit: ignore };
