// The host SDK, served at /sdk/embed.js. A host page loads it as a module:
//   import { mount } from 'https://widget.example.com/sdk/embed.js';
//   const widget = mount(document.getElementById('notes'), { getLaunchToken, ctx: 'page:42' });
// No dependencies; everything it does is on the host page's behalf.
import type { Theme } from '../../contract/bootstrap.ts';
import { envelope, parseWidgetMessage, type HostMessage, type WidgetMessage } from '../../contract/hostMessages.ts';

export interface MountOptions {
  /** Asks the host's backend for a fresh, signed launch token (called at mount and whenever the widget's session cannot be refreshed). */
  getLaunchToken: (request: { ctx?: string }) => Promise<string>;
  /** The host resource the notes belong to; passed to getLaunchToken so the backend can put it in the token's `ctx` claim. */
  ctx?: string;
  theme?: Theme;
  /** Widget server origin; defaults to where this script was loaded from. */
  widgetUrl?: string;
  /** Accessible name of the iframe. */
  title?: string;
  /** Bounds for the iframe height (px) the widget asks for. */
  minHeight?: number;
  maxHeight?: number;
}

export type WidgetEvent = 'ready' | 'resize' | 'session-expired' | 'error';

export interface WidgetHandle {
  readonly iframe: HTMLIFrameElement;
  on(event: WidgetEvent, handler: (detail: Record<string, unknown>) => void): () => void;
  /** Starts a fresh session with a new launch token (a reload of the iframe). */
  relaunch(): Promise<void>;
  unmount(): void;
}

const DEFAULT_WIDGET_URL = (() => {
  try {
    return new URL(import.meta.url).origin;
  } catch {
    return '';
  }
})();

// The widget needs scripts, its own origin (to call its API with a bearer
// token), forms (its composer) and popups: links in notes open in a new tab,
// which must not inherit this sandbox or the linked site would break. Nothing
// else: no top navigation, no modals.
const SANDBOX = 'allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox';

let counter = 0;

export function mount(element: HTMLElement, options: MountOptions): WidgetHandle {
  if (!element || typeof options?.getLaunchToken !== 'function') {
    throw new TypeError('mount(element, { getLaunchToken }) needs a container element and a getLaunchToken function');
  }
  const widgetOrigin = new URL(options.widgetUrl ?? DEFAULT_WIDGET_URL).origin;
  const minHeight = options.minHeight ?? 120;
  const maxHeight = options.maxHeight ?? 4000;
  const handlers = new Map<WidgetEvent, Set<(detail: Record<string, unknown>) => void>>();
  const emit = (event: WidgetEvent, detail: Record<string, unknown> = {}) => {
    for (const handler of handlers.get(event) ?? []) {
      try {
        handler(detail);
      } catch (err) {
        console.error('notes widget: event handler failed', err);
      }
    }
  };

  const name = `notes-widget-${Date.now().toString(36)}-${counter++}`;
  const iframe = document.createElement('iframe');
  iframe.name = name;
  iframe.title = options.title ?? 'Notes';
  iframe.setAttribute('sandbox', SANDBOX);
  iframe.setAttribute('referrerpolicy', 'no-referrer');
  iframe.style.cssText = `display:block;width:100%;border:0;height:${minHeight}px`;
  element.append(iframe);

  const post = (message: HostMessage) => iframe.contentWindow?.postMessage(envelope(message), widgetOrigin);

  async function launchToken(): Promise<string | null> {
    try {
      const jwt = await options.getLaunchToken({ ctx: options.ctx });
      if (typeof jwt !== 'string' || jwt === '') throw new Error('getLaunchToken() must resolve to the signed launch token (a string)');
      return jwt;
    } catch (err) {
      emit('error', { code: 'launch_token_unavailable', message: err instanceof Error ? err.message : String(err) });
      return null;
    }
  }

  // The token travels in a POST body, never in the URL: no history, logs or Referer carry it.
  async function relaunch(): Promise<void> {
    const jwt = await launchToken();
    if (jwt === null) return;
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = `${widgetOrigin}/launch`;
    form.target = name;
    form.hidden = true;
    for (const [field, value] of Object.entries({ jwt, theme: options.theme ?? 'auto' })) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = field;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
    form.remove();
  }

  async function onMessage(event: MessageEvent) {
    if (event.source !== iframe.contentWindow || event.origin !== widgetOrigin) return;
    const message: WidgetMessage | null = parseWidgetMessage(event.data);
    if (!message) return;
    switch (message.kind) {
      case 'ready':
        post({ kind: 'hello' });
        emit('ready');
        break;
      case 'resize': {
        const height = Math.min(maxHeight, Math.max(minHeight, Math.ceil(message.height)));
        iframe.style.height = `${height}px`;
        emit('resize', { height });
        break;
      }
      case 'launch-token-request': {
        const jwt = await launchToken();
        post(jwt === null ? { kind: 'launch-token-unavailable', requestId: message.requestId } : { kind: 'launch-token', requestId: message.requestId, jwt });
        break;
      }
      case 'session-expired':
        emit('session-expired');
        break;
      case 'error':
        emit('error', { code: message.code, message: message.message });
        break;
    }
  }
  window.addEventListener('message', onMessage);
  void relaunch();

  return {
    iframe,
    on(event, handler) {
      if (!handlers.has(event)) handlers.set(event, new Set());
      handlers.get(event)!.add(handler);
      return () => handlers.get(event)?.delete(handler);
    },
    relaunch,
    unmount() {
      window.removeEventListener('message', onMessage);
      handlers.clear();
      iframe.remove();
    },
  };
}

// For hosts that load the SDK with a plain module <script src> and call it later.
(globalThis as { NotesWidget?: { mount: typeof mount } }).NotesWidget = { mount };
