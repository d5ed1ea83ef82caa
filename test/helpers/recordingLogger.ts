import { jsonLogger, type Logger } from '../../server/logger.ts';

/** The real JSON logger, each line kept as { event, ...fields } (without its time and level) for assertions. */
export function recordingLogger(): { lines: Array<Record<string, unknown>>; logger: Logger } {
  const lines: Array<Record<string, unknown>> = [];
  const keep = (line: string) => {
    const { time: _time, level: _level, ...rest } = JSON.parse(line) as Record<string, unknown>;
    lines.push(rest);
  };
  return { lines, logger: jsonLogger(keep) };
}
