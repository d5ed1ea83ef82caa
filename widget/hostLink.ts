import type { SessionEnd } from '../contract/hostMessages.ts';

// What the widget needs from the host page (through the host SDK, over
// postMessage). Implemented in hostBridge.ts; the app depends only on this.
export interface HostLink {
  /** Asks the host for a fresh launch token; null when no host SDK answers in time. */
  requestLaunchToken(): Promise<string | null>;
  /** Tells the host that the session is gone and could not be revived, and why. */
  reportSessionExpired(end: SessionEnd): void;
  /** Tells the host the widget's content height so the iframe fits it. */
  reportHeight(height: number): void;
}
