import { figure } from './scale.ts';

/** How long a count-based run may go without completing anything before it is called hung. */
export const STALL_MS = figure('STALL_SECONDS', 120, 120) * 1000;

/**
 * Waits for `work` (a count-based run that finishes its count however slow the
 * machine is). Fails only on a hang: when `completed()` has not moved for
 * STALL_MS, where one step normally takes milliseconds. It never checks a total
 * time, so a busy machine makes the run longer, never red.
 */
export async function unlessStalled<T>(work: Promise<T>, completed: () => number, describe: () => string): Promise<T> {
  let seen = -1;
  let lastProgress = Date.now();
  let watchdog: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    watchdog = setInterval(() => {
      if (completed() !== seen) [seen, lastProgress] = [completed(), Date.now()];
      else if (Date.now() - lastProgress > STALL_MS) reject(new Error(`hang: nothing completed for ${STALL_MS / 1000} s (${describe()})`));
    }, 1000);
  });
  try {
    return await Promise.race([work, hung]);
  } finally {
    clearInterval(watchdog);
  }
}
