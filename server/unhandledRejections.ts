import type { Logger } from './logger.ts';

/**
 * The process-wide policy for a promise that rejects with nobody to handle it.
 * Every background task here catches its own failures, so one that does not is
 * a bug in one request or one task, not a broken process: it is logged as an
 * error and the server keeps serving. Node's default (print and exit) would
 * drop every request in flight over it. A synchronous exception nobody caught
 * keeps Node's default, exit: what it left half-done cannot be known.
 */
export function logUnhandledRejections(proc: Pick<NodeJS.Process, 'on'>, logger: Logger): void {
  proc.on('unhandledRejection', (reason) => {
    logger.error('unhandled_rejection', { error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason) });
  });
}
