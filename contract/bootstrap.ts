// What the launch page inlines as JSON in <script type="application/json"
// id="widget-bootstrap"> (docs/protocol.md section 2) and the widget reads on start.
import type { Note } from './notes.ts';
import type { SessionUser } from './session.ts';

export const BOOTSTRAP_ELEMENT_ID = 'widget-bootstrap';
/** Bumped when the shape changes, so a page cached across a deploy fails clearly. */
export const BOOTSTRAP_VERSION = 1;

export const THEMES = ['light', 'dark', 'auto'] as const;
/** Colour scheme the host asked for; 'auto' follows prefers-color-scheme. */
export type Theme = (typeof THEMES)[number];

export const themeFrom = (value: unknown): Theme => ((THEMES as readonly unknown[]).includes(value) ? (value as Theme) : 'auto');

export interface WidgetBootstrap {
  v: typeof BOOTSTRAP_VERSION;
  token: string;
  expiresAt: string;
  user: SessionUser;
  context: string;
  /** Host origins the widget may talk to with postMessage. */
  hostOrigins: string[];
  theme: Theme;
  /** BCP 47 locale for dates and times (the `locale` claim, else the SDK's `locale` option; LTI: launch_presentation.locale); absent: the browser's. */
  locale?: string;
  /** The host's name for this context (the `ctx_label` claim; LTI: the resource link's title); the raw context id is never shown. */
  contextLabel?: string;
  /** Server-rendered first page of notes, newest first. */
  notes: Note[];
  nextCursor: string | null;
  /** The thread's latest change when the page was rendered: where the live stream starts (Last-Event-ID). */
  lastEventId: string;
  /** Epoch ms of the server render: the first client render uses it so hydration matches. */
  renderedAt: number;
  /**
   * true when no host SDK is there to ask for a new launch (an LTI launch: the
   * LMS frames the widget directly), so a lapsed session says how to reopen it.
   */
  noHostSdk?: true;
}
