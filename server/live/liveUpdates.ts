import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { NoteFeed } from './noteFeed.ts';
import type { StreamEnd } from '../../contract/liveEvents.ts';
import { noteFeedFor } from './pgNoteFeed.ts';
import { StreamLimits } from './streamLimits.ts';

// A node's live-update machinery: its feed, its stream limits and the streams
// it holds, so shutdown can end them (they would otherwise hold the server open).

export interface LiveUpdates {
  feed: NoteFeed;
  limits: StreamLimits;
  recheckMs: number;
  /** Registers an open stream's end function; returns the function that forgets it. */
  track(end: (reason?: StreamEnd['reason']) => void): () => void;
  /** Ends every stream (clients reconnect to another node) and the feed's connection. */
  close(): Promise<void>;
}

export function createLiveUpdates(config: Config, logger: Logger, feed: NoteFeed = noteFeedFor(config.database, logger)): LiveUpdates {
  const open = new Set<(reason?: StreamEnd['reason']) => void>();
  return {
    feed,
    limits: new StreamLimits({ perSession: config.streams.perSession, perNode: config.streams.perNode }),
    recheckMs: config.streams.recheckMs,
    track(end) {
      open.add(end);
      return () => open.delete(end);
    },
    async close() {
      for (const end of [...open]) end('shutdown');
      open.clear();
      await feed.close();
    },
  };
}
