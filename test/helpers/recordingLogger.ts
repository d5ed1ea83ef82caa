import { jsonLogger, type Logger } from '../../server/logger.ts';

/** The real JSON logger, its lines kept as objects (event, level and fields at the top level) for assertions. */
export function recordingLogger(): { lines: Array<Record<string, unknown>>; logger: Logger } {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, logger: jsonLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>)) };
}
