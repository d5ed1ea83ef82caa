// The postMessage schema between the widget (in the iframe) and the host SDK.
// Versioned: each side ignores anything that is not exactly this shape.

export const MESSAGE_TYPE = 'notes-widget';
export const MESSAGE_VERSION = 1;

/** Widget -> host. */
export type WidgetMessage =
  | { kind: 'ready' }
  | { kind: 'resize'; height: number }
  | { kind: 'launch-token-request'; requestId: string }
  | { kind: 'session-expired' }
  | { kind: 'error'; code: string; message: string };

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

/** Parses a message the host SDK received from the widget; null for anything unexpected. */
export function parseWidgetMessage(data: unknown): WidgetMessage | null {
  if (!isObject(data) || data.type !== MESSAGE_TYPE || data.v !== MESSAGE_VERSION) return null;
  switch (data.kind) {
    case 'ready':
    case 'session-expired':
      return { kind: data.kind };
    case 'resize':
      return typeof data.height === 'number' && Number.isFinite(data.height) && data.height >= 0 ? { kind: 'resize', height: data.height } : null;
    case 'launch-token-request':
      return isShortString(data.requestId) ? { kind: 'launch-token-request', requestId: data.requestId } : null;
    case 'error':
      return isShortString(data.code, 64) && typeof data.message === 'string' ? { kind: 'error', code: data.code, message: data.message.slice(0, 500) } : null;
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
