// Structured JSON lines. Callers pass fields, never whole requests, so tokens,
// secrets and host user ids do not reach the log by accident.
//
// Written with one synchronous write per line (stdout to a file or a pipe):
// a line logged is a line kept, even if the process dies right after. pino was
// measured against this and cost more CPU per request line (docs/benchmark.md).

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

export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(line + '\n'), { level = 'info' }: { level?: LogLevel } = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const line = (name: LogLevel, extra?: Fields) => (event: string, fields: Fields = {}) =>
    write(JSON.stringify({ time: new Date().toISOString(), level: name, ...extra, event, ...fields }));
  const at = (name: LogLevel) => (LOG_LEVELS.indexOf(name) >= threshold ? line(name) : ignore);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), audit: line('warn', { audit: true }) };
}

export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore, audit: ignore };
