// The postMessage schema between the widget (in the iframe) and the host SDK.
//
// Versioned and tolerant: every message carries { type, v }. Additions within a
// version are optional fields and new kinds, which an older peer ignores (its
// parser picks the fields it knows and drops kinds it does not). A change an
// older peer would misread gets a new `v`; the SDK at /sdk/v1/ speaks v 1.

export const MESSAGE_TYPE = 'notes-widget';
export const MESSAGE_VERSION = 1;

/**
 * Why the widget's session is over and no new one replaced it (session-expired):
 * - signed_out: the user signed out in the widget;
 * - launch_refused: the host handed over a new launch token and the server refused it (serverCode says why);
 * - max_age: the session reached its absolute lifetime (SESSION_MAX_AGE) and the host gave no new launch token;
 * - revoked: the session was revoked (host API, operator, sign-out elsewhere) and the host gave no new launch token;
 * - host_refused: the session lapsed and the host gave no new launch token (getLaunchToken failed, or no SDK answered).
 */
export const SESSION_END_REASONS = ['signed_out', 'launch_refused', 'max_age', 'revoked', 'host_refused'] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

/** How a session ended, as the widget reports it. */
export interface SessionEnd {
  reason: SessionEndReason;
  /** With launch_refused: the server's error code (docs/protocol.md section 5). */
  serverCode?: string;
  /** With launch_refused: the server's explanation, for the host developer. */
  message?: string;
}

/** Widget -> host. */
export type WidgetMessage =
  | { kind: 'ready' }
  | { kind: 'resize'; height: number }
  | { kind: 'launch-token-request'; requestId: string }
  // `reason` is absent from widgets older than the field.
  | ({ kind: 'session-expired' } & Partial<SessionEnd>)
  // Sent by the launch error page too: code launch_refused, serverCode the protocol code, requestId the server's X-Request-Id.
  | { kind: 'error'; code: string; message: string; serverCode?: string; requestId?: string };

/** Host -> widget. */
export type HostMessage =
  | { kind: 'hello' }
  | { kind: 'launch-token'; requestId: string; jwt: string }
  | { kind: 'launch-token-unavailable'; requestId: string };

export type Envelope<T> = T & { type: typeof MESSAGE_TYPE; v: typeof MESSAGE_VERSION };

export function envelope<T extends object>(message: T): Envelope<T> {
  return { type: MESSAGE_TYPE, v: MESSAGE_VERSION, ...message };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isShortString = (value: unknown, max = 128): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;
const MESSAGE_MAX = 500;
/** An optional field: kept when it has the expected shape, dropped otherwise. */
const optionalCode = (value: unknown) => (isShortString(value, 64) ? value : undefined);
const optionalText = (value: unknown) => (typeof value === 'string' ? value.slice(0, MESSAGE_MAX) : undefined);

function sessionEndOf(data: Record<string, unknown>): Partial<SessionEnd> {
  const reason = (SESSION_END_REASONS as readonly unknown[]).includes(data.reason) ? (data.reason as SessionEndReason) : undefined;
  if (reason !== 'launch_refused') return reason ? { reason } : {};
  return withDefined({ reason, serverCode: optionalCode(data.serverCode), message: optionalText(data.message) });
}

/** Drops undefined fields, so parsed messages compare and serialise as what was sent. */
function withDefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Parses a message the host SDK received from the widget; null for anything unexpected. */
export function parseWidgetMessage(data: unknown): WidgetMessage | null {
  if (!isObject(data) || data.type !== MESSAGE_TYPE || data.v !== MESSAGE_VERSION) return null;
  switch (data.kind) {
    case 'ready':
      return { kind: data.kind };
    case 'session-expired':
      return { kind: data.kind, ...sessionEndOf(data) };
    case 'resize':
      return typeof data.height === 'number' && Number.isFinite(data.height) && data.height >= 0 ? { kind: 'resize', height: data.height } : null;
    case 'launch-token-request':
      return isShortString(data.requestId) ? { kind: 'launch-token-request', requestId: data.requestId } : null;
    case 'error':
      return isShortString(data.code, 64) && typeof data.message === 'string'
        ? withDefined({ kind: 'error' as const, code: data.code, message: data.message.slice(0, MESSAGE_MAX), serverCode: optionalCode(data.serverCode), requestId: optionalCode(data.requestId) })
        : null;
    default:
      return null;
  }
}

/** Parses a message the widget received from the host SDK; null for anything unexpected. */
export function parseHostMessage(data: unknown): HostMessage | null {
  if (!isObject(data) || data.type !== MESSAGE_TYPE || data.v !== MESSAGE_VERSION) return null;
  switch (data.kind) {
    case 'hello':
      return { kind: 'hello' };
    case 'launch-token':
      return isShortString(data.requestId) && isShortString(data.jwt, 8192) ? { kind: 'launch-token', requestId: data.requestId, jwt: data.jwt } : null;
    case 'launch-token-unavailable':
      return isShortString(data.requestId) ? { kind: 'launch-token-unavailable', requestId: data.requestId } : null;
    default:
      return null;
  }
}
