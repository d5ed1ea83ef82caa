// The public API of the host SDK. Published beside the script as
// /sdk/v1/embed.d.ts, generated from these declarations at build time.
import type { Theme } from '../../contract/bootstrap.ts';
import type { SessionEndReason } from '../../contract/hostMessages.ts';

export type { Theme, SessionEndReason };

export interface MountOptions {
  /** Asks the host's backend for a fresh, signed launch token (called at mount and whenever the widget's session cannot be refreshed). */
  getLaunchToken: (request: { ctx?: string }) => Promise<string>;
  /** The host resource the notes belong to; passed to getLaunchToken so the backend can put it in the token's `ctx` claim. */
  ctx?: string;
  /** Colour scheme; default 'auto' (follows the user's prefers-color-scheme). */
  theme?: Theme;
  /**
   * BCP 47 locale for the widget's dates and times (e.g. 'he', 'pt-BR'); default: the
   * browser's language. A `locale` claim in the launch token takes precedence.
   */
  locale?: string;
  /** Widget server origin; defaults to the origin this script was loaded from. */
  widgetUrl?: string;
  /** Accessible name of the iframe; default 'Notes'. */
  title?: string;
  /** Smallest iframe height in px, whatever the widget asks for; default 120. */
  minHeight?: number;
  /** Largest iframe height in px; default 4000 (the widget scrolls inside beyond it). */
  maxHeight?: number;
  /**
   * Milliseconds to wait, after each launch is posted, for the widget to answer
   * before an `error` event (frame_blocked or never_ready); default 15000; 0 waits forever.
   */
  readyTimeout?: number;
}

/**
 * Every way a mount can fail, as the `code` of an `error` event:
 * - launch_refused: the widget server refused the launch token (serverCode: launch_expired, launch_invalid, ...);
 * - frame_blocked: the browser refused to show the widget here (this page's CSP, or this origin is not registered);
 * - never_ready: the widget did not answer within readyTimeout;
 * - launch_token_unavailable: getLaunchToken() failed or gave no token.
 */
export type MountErrorCode = 'launch_refused' | 'frame_blocked' | 'never_ready' | 'launch_token_unavailable';

export interface WidgetErrorDetail {
  code: MountErrorCode;
  /** For the host developer; not meant for end users. */
  message: string;
  /** launch_refused: the server's error code (docs/protocol.md section 5). */
  serverCode?: string;
  /** launch_refused from the launch page: the server's X-Request-Id, to find its log line. */
  requestId?: string;
  /** frame_blocked: the CSP directive that blocked it. */
  directive?: string;
}

export interface SessionExpiredDetail {
  /** 'unknown' when the widget did not say (a widget older than the field). */
  reason: SessionEndReason | 'unknown';
  /** With reason launch_refused: the server's error code. */
  serverCode?: string;
}

/** Each event and the detail its handlers receive. */
export interface WidgetEvents {
  ready: Record<string, never>;
  resize: { height: number };
  'session-expired': SessionExpiredDetail;
  error: WidgetErrorDetail;
}

export type WidgetEvent = keyof WidgetEvents;

export interface WidgetHandle {
  readonly iframe: HTMLIFrameElement;
  /** Subscribes to an event; returns a function that unsubscribes. */
  on<E extends WidgetEvent>(event: E, handler: (detail: WidgetEvents[E]) => void): () => void;
  /** Starts a fresh session with a new launch token (a reload of the iframe). */
  relaunch(): Promise<void>;
  /** Removes the iframe and every listener. */
  unmount(): void;
}
