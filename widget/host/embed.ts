// The host SDK, served at /sdk/v1/embed.js (and /sdk/embed.js). A host page loads it as a module:
//   import { mount } from 'https://widget.example.com/sdk/v1/embed.js';
//   const widget = mount(document.getElementById('notes'), { getLaunchToken, ctx: 'page:42' });
// No dependencies; everything it does is on the host page's behalf.
import { envelope, parseWidgetMessage, type HostMessage } from '../../contract/hostMessages.ts';
import type { MountErrorCode, MountOptions, WidgetErrorDetail, WidgetEvent, WidgetEvents, WidgetHandle } from './embedTypes.ts';
import { watchLaunch, type LaunchWatch } from './launchWatch.ts';

export type * from './embedTypes.ts';

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

const MOUNT_ERROR_CODES: readonly string[] = ['launch_refused', 'frame_blocked', 'never_ready', 'launch_token_unavailable'] satisfies MountErrorCode[];

let counter = 0;

export function mount(element: HTMLElement, options: MountOptions): WidgetHandle {
  if (!element || typeof options?.getLaunchToken !== 'function') {
    throw new TypeError('mount(element, { getLaunchToken }) needs a container element and a getLaunchToken function');
  }
  const widgetOrigin = new URL(options.widgetUrl ?? DEFAULT_WIDGET_URL).origin;
  const minHeight = options.minHeight ?? 120;
  const maxHeight = options.maxHeight ?? 4000;
  const readyTimeout = options.readyTimeout ?? 15_000;
  type Handler = (detail: never) => void;
  const handlers = new Map<WidgetEvent, Set<Handler>>();
  const emit = <E extends WidgetEvent>(event: E, detail: WidgetEvents[E]) => {
    for (const handler of handlers.get(event) ?? []) {
      try {
        (handler as (detail: WidgetEvents[E]) => void)(detail);
      } catch (err) {
        console.error('notes widget: event handler failed', err);
      }
    }
  };
  const fail = (detail: WidgetErrorDetail) => emit('error', detail);

  const name = `notes-widget-${Date.now().toString(36)}-${counter++}`;
  const iframe = document.createElement('iframe');
  iframe.name = name;
  iframe.title = options.title ?? 'Notes';
  iframe.setAttribute('sandbox', SANDBOX);
  iframe.setAttribute('referrerpolicy', 'no-referrer');
  iframe.style.cssText = `display:block;width:100%;border:0;height:${minHeight}px`;
  element.append(iframe);

  const post = (message: HostMessage) => iframe.contentWindow?.postMessage(envelope(message), widgetOrigin);
  let watch: LaunchWatch | null = null;

  async function launchToken(): Promise<string | null> {
    try {
      const jwt = await options.getLaunchToken({ ctx: options.ctx });
      if (typeof jwt !== 'string' || jwt === '') throw new Error('getLaunchToken() must resolve to the signed launch token (a string)');
      return jwt;
    } catch (err) {
      fail({ code: 'launch_token_unavailable', message: err instanceof Error ? err.message : String(err) });
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
    for (const [field, value] of Object.entries({ jwt, theme: options.theme ?? 'auto', ...(options.locale ? { locale: options.locale } : {}) })) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = field;
      input.value = value;
      form.append(input);
    }
    watch?.settle();
    // Watching starts before the post: this page's CSP may refuse it synchronously.
    watch = watchLaunch({ iframe, widgetOrigin, timeoutMs: readyTimeout, report: fail });
    document.body.append(form);
    form.submit();
    form.remove();
  }

  async function onMessage(event: MessageEvent) {
    if (event.source !== iframe.contentWindow || event.origin !== widgetOrigin) return;
    const message = parseWidgetMessage(event.data);
    if (!message) return;
    // Anything from the widget's origin in our frame, an error page included, means the launch arrived.
    watch?.settle();
    switch (message.kind) {
      case 'ready':
        post({ kind: 'hello' });
        emit('ready', {});
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
        emit('session-expired', message.serverCode ? { reason: message.reason ?? 'unknown', serverCode: message.serverCode } : { reason: message.reason ?? 'unknown' });
        // A re-launch the server refused is a failed launch too, for hosts that only watch errors.
        if (message.reason === 'launch_refused') fail({ code: 'launch_refused', serverCode: message.serverCode, message: message.message ?? 'The widget server refused the new launch token.' });
        break;
      case 'error': {
        if (!MOUNT_ERROR_CODES.includes(message.code)) break;
        const { kind: _kind, ...detail } = message;
        fail({ ...detail, code: message.code as MountErrorCode });
        break;
      }
    }
  }
  window.addEventListener('message', onMessage);
  void relaunch();

  return {
    iframe,
    on(event, handler) {
      if (!handlers.has(event)) handlers.set(event, new Set());
      handlers.get(event)!.add(handler as Handler);
      return () => handlers.get(event)?.delete(handler as Handler);
    },
    relaunch,
    unmount() {
      watch?.settle();
      window.removeEventListener('message', onMessage);
      handlers.clear();
      iframe.remove();
    },
  };
}

// For hosts that load the SDK with a plain module <script src> and call it later.
(globalThis as { NotesWidget?: { mount: typeof mount } }).NotesWidget = { mount };
