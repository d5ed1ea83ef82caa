import type { HostLink } from './hostLink.ts';
import { envelope, parseHostMessage, type WidgetMessage } from '../contract/hostMessages.ts';

export interface HostBridgeOptions {
  /** The tenant's registered host origins: the only ones we talk to. */
  hostOrigins: string[];
  win?: Window;
  /** How long to wait for the host to hand over a launch token. */
  launchTimeoutMs?: number;
}

/**
 * The widget's side of the postMessage channel. Messages go to the parent
 * window only, addressed to a registered origin (never '*'), and only
 * messages from the parent window at a registered origin are read.
 * Returns null when the widget is not framed by a host.
 */
export function createHostBridge({ hostOrigins, win = window, launchTimeoutMs = 10_000 }: HostBridgeOptions): HostLink | null {
  const parent = win.parent;
  if (!parent || parent === win || hostOrigins.length === 0) return null;

  // Until the host speaks, we may not know which registered origin it is. The
  // browser drops a message whose targetOrigin does not match, so addressing
  // each registered origin reaches the real parent and nobody else.
  const ancestor = (win.location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins?.[0];
  let hostOrigin: string | null = ancestor && hostOrigins.includes(ancestor) ? ancestor : null;

  const send = (message: WidgetMessage) => {
    for (const origin of hostOrigin ? [hostOrigin] : hostOrigins) parent.postMessage(envelope(message), origin);
  };

  const pending = new Map<string, (jwt: string | null) => void>();

  const onMessage = (event: MessageEvent) => {
    if (event.source !== parent || !hostOrigins.includes(event.origin)) return;
    const message = parseHostMessage(event.data);
    if (!message) return;
    hostOrigin = event.origin;
    if (message.kind === 'launch-token' || message.kind === 'launch-token-unavailable') {
      const resolve = pending.get(message.requestId);
      pending.delete(message.requestId);
      resolve?.(message.kind === 'launch-token' ? message.jwt : null);
    }
  };
  win.addEventListener('message', onMessage);

  let lastHeight = -1;
  send({ kind: 'ready' });

  return {
    requestLaunchToken() {
      // The browser's own generator: the uuid package would add to every iframe's download.
      const requestId = crypto.randomUUID();
      return new Promise<string | null>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(requestId);
          resolve(null);
        }, launchTimeoutMs);
        pending.set(requestId, (jwt) => {
          clearTimeout(timer);
          resolve(jwt);
        });
        send({ kind: 'launch-token-request', requestId });
      });
    },
    reportSessionExpired(end) {
      send({ kind: 'session-expired', ...end });
    },
    reportHeight(height: number) {
      const rounded = Math.ceil(height);
      if (rounded === lastHeight) return;
      lastHeight = rounded;
      send({ kind: 'resize', height: rounded });
    },
  };
}
