// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, type MountOptions, type WidgetErrorDetail, type WidgetHandle } from '../../widget/host/embed.ts';

const WIDGET = 'http://127.0.0.1:9';
let submitted: Array<{ action: string; target: string; fields: Record<string, string> }>;
let handle: WidgetHandle | null = null;
// happy-dom loads no iframe documents, so the frame's window is a stand-in we can watch.
let frameWindow: { postMessage: ReturnType<typeof vi.fn> };

beforeEach(() => {
  submitted = [];
  vi.spyOn(HTMLFormElement.prototype, 'submit').mockImplementation(function (this: HTMLFormElement) {
    const fields = Object.fromEntries([...this.querySelectorAll('input')].map((input) => [input.name, input.value]));
    submitted.push({ action: this.action, target: this.target, fields });
  });
});
afterEach(() => {
  handle?.unmount();
  handle = null;
  vi.restoreAllMocks();
});

const flush = () => (vi.isFakeTimers() ? vi.advanceTimersByTimeAsync(0) : new Promise((resolve) => setTimeout(resolve, 0)));
const env = (body: object) => ({ type: 'notes-widget', v: 1, ...body });

function fromWidget(data: unknown, options: { origin?: string; source?: unknown } = {}) {
  const source = 'source' in options ? options.source : handle!.iframe.contentWindow;
  window.dispatchEvent(new MessageEvent('message', { data, origin: options.origin ?? WIDGET, source: source as Window }));
}

async function mounted(getLaunchToken = vi.fn(async () => 'launch.jwt.token'), extra: Partial<MountOptions> = {}) {
  const container = document.createElement('div');
  document.body.append(container);
  handle = mount(container, { getLaunchToken, ctx: 'page:42', theme: 'dark', widgetUrl: WIDGET, minHeight: 100, maxHeight: 900, ...extra });
  frameWindow = { postMessage: vi.fn() };
  Object.defineProperty(handle.iframe, 'contentWindow', { value: frameWindow });
  await flush();
  return { container, getLaunchToken };
}

describe('mount()', () => {
  it('creates a sandboxed, titled iframe and posts the launch token into it, never in the URL', async () => {
    const { container, getLaunchToken } = await mounted();
    const iframe = container.querySelector('iframe')!;
    expect(iframe.getAttribute('sandbox')).toBe('allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox');
    expect(iframe.title).toBe('Notes');
    expect(iframe.getAttribute('referrerpolicy')).toBe('no-referrer');
    expect(iframe.getAttribute('src') ?? '').not.toContain('launch.jwt.token');
    expect(getLaunchToken).toHaveBeenCalledWith({ ctx: 'page:42' });
    expect(submitted).toEqual([{ action: `${WIDGET}/launch`, target: iframe.name, fields: { jwt: 'launch.jwt.token', theme: 'dark' } }]);
    expect(document.querySelectorAll('form')).toHaveLength(0);
  });

  it('refuses to mount without getLaunchToken', () => {
    expect(() => mount(document.body, {} as never)).toThrow(/getLaunchToken/);
  });
});

describe('messages from the widget', () => {
  it('resize sets the iframe height, clamped to the bounds', async () => {
    await mounted();
    const heights: unknown[] = [];
    handle!.on('resize', (detail) => heights.push(detail.height));
    fromWidget(env({ kind: 'resize', height: 321.4 }));
    expect(handle!.iframe.style.height).toBe('322px');
    fromWidget(env({ kind: 'resize', height: 5000 }));
    expect(handle!.iframe.style.height).toBe('900px');
    fromWidget(env({ kind: 'resize', height: 3 }));
    expect(handle!.iframe.style.height).toBe('100px');
    expect(heights).toEqual([322, 900, 100]);
  });

  it('are ignored from another origin, another window, or with an unknown schema', async () => {
    await mounted();
    const before = handle!.iframe.style.height;
    fromWidget(env({ kind: 'resize', height: 500 }), { origin: 'https://evil.example' });
    fromWidget(env({ kind: 'resize', height: 500 }), { source: window });
    fromWidget(env({ kind: 'resize', height: 500 }), { source: null });
    fromWidget({ type: 'notes-widget', v: 2, kind: 'resize', height: 500 });
    fromWidget(env({ kind: 'resize', height: '500' }));
    fromWidget(env({ kind: 'format-disk' }));
    fromWidget('resize:500');
    expect(handle!.iframe.style.height).toBe(before);
  });

  it('launch-token-request gets a fresh token from the host and answers only the widget origin', async () => {
    const { getLaunchToken } = await mounted(vi.fn(async () => `token-${Math.random()}`));
    const post = frameWindow.postMessage;
    fromWidget(env({ kind: 'launch-token-request', requestId: 'r1' }));
    await flush();
    expect(getLaunchToken).toHaveBeenCalledTimes(2);
    expect(post).toHaveBeenCalledTimes(1);
    const [message, targetOrigin] = post.mock.calls[0]! as unknown as [Record<string, unknown>, string];
    expect(targetOrigin).toBe(WIDGET);
    expect(message).toMatchObject(env({ kind: 'launch-token', requestId: 'r1' }));
    expect(String(message.jwt)).toMatch(/^token-/);
  });

  it('answers launch-token-unavailable and emits error when the host cannot sign', async () => {
    let calls = 0;
    await mounted(vi.fn(async () => {
      if (calls++ > 0) throw new Error('signed out');
      return 'first';
    }));
    const errors: unknown[] = [];
    handle!.on('error', (detail) => errors.push(detail));
    const post = frameWindow.postMessage;
    fromWidget(env({ kind: 'launch-token-request', requestId: 'r2' }));
    await flush();
    expect(post.mock.calls[0]![0]).toEqual(env({ kind: 'launch-token-unavailable', requestId: 'r2' }));
    expect(errors).toEqual([{ code: 'launch_token_unavailable', message: 'signed out' }]);
  });

  it('emits ready and session-expired, and stops listening after unmount', async () => {
    const { container } = await mounted();
    const events: string[] = [];
    handle!.on('ready', () => events.push('ready'));
    handle!.on('session-expired', () => events.push('expired'));
    fromWidget(env({ kind: 'ready' }));
    fromWidget(env({ kind: 'session-expired' }));
    const iframe = handle!.iframe;
    handle!.unmount();
    window.dispatchEvent(new MessageEvent('message', { data: env({ kind: 'session-expired' }), origin: WIDGET, source: iframe.contentWindow as Window }));
    handle = null;
    expect(events).toEqual(['ready', 'expired']);
    expect(container.querySelector('iframe')).toBeNull();
  });
});

describe('every way a mount can fail is an error event with a stable code', () => {
  const errorsOf = (h: WidgetHandle) => {
    const errors: WidgetErrorDetail[] = [];
    h.on('error', (detail) => errors.push(detail));
    return errors;
  };

  it('launch_refused with the server\'s code, message and request id, from the launch error page', async () => {
    await mounted();
    const errors = errorsOf(handle!);
    fromWidget(env({ kind: 'error', code: 'launch_refused', serverCode: 'launch_expired', message: 'The launch token has expired.', requestId: 'req-1' }));
    expect(errors).toEqual([{ code: 'launch_refused', serverCode: 'launch_expired', message: 'The launch token has expired.', requestId: 'req-1' }]);
  });

  it('ignores error codes it does not know (a newer widget), and errors from anywhere else', async () => {
    await mounted();
    const errors = errorsOf(handle!);
    fromWidget(env({ kind: 'error', code: 'disk_full', message: 'x' }));
    fromWidget(env({ kind: 'error', code: 'launch_refused', message: 'x' }), { origin: 'https://evil.example' });
    expect(errors).toEqual([]);
  });

  describe('after readyTimeout', () => {
    beforeEach(() => void vi.useFakeTimers());
    afterEach(() => void vi.useRealTimers());

    it('never_ready when nothing at all happens', async () => {
      await mounted(undefined, { readyTimeout: 3000 });
      const errors = errorsOf(handle!);
      await vi.advanceTimersByTimeAsync(2999);
      expect(errors).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(errors).toEqual([{ code: 'never_ready', message: expect.stringContaining('3000 ms') }]);
    });

    it('frame_blocked (frame-ancestors) when the frame loaded but the widget never spoke', async () => {
      await mounted(undefined, { readyTimeout: 3000 });
      const errors = errorsOf(handle!);
      handle!.iframe.dispatchEvent(new Event('load'));
      await vi.advanceTimersByTimeAsync(3000);
      expect(errors).toEqual([{ code: 'frame_blocked', directive: 'frame-ancestors', message: expect.stringContaining('not registered') }]);
    });

    it('nothing once the widget answered, and nothing with readyTimeout 0', async () => {
      await mounted(undefined, { readyTimeout: 3000 });
      const errors = errorsOf(handle!);
      fromWidget(env({ kind: 'ready' }));
      await vi.advanceTimersByTimeAsync(60_000);
      expect(errors).toEqual([]);
      handle!.unmount();
      await mounted(undefined, { readyTimeout: 0 });
      const silent = errorsOf(handle!);
      await vi.advanceTimersByTimeAsync(600_000);
      expect(silent).toEqual([]);
    });
  });

  it('frame_blocked at once when this page\'s CSP refuses the launch post, naming the directive', async () => {
    const violation = (fields: Record<string, string>) => document.dispatchEvent(Object.assign(new Event('securitypolicyviolation'), fields));
    await mounted();
    const errors = errorsOf(handle!);
    violation({ disposition: 'report', blockedURI: `${WIDGET}/launch`, effectiveDirective: 'form-action' });
    violation({ disposition: 'enforce', blockedURI: 'https://other.example/x', effectiveDirective: 'img-src' });
    expect(errors).toEqual([]);
    violation({ disposition: 'enforce', blockedURI: `${WIDGET}/launch`, effectiveDirective: 'form-action' });
    expect(errors).toEqual([{ code: 'frame_blocked', directive: 'form-action', message: expect.stringContaining(`allow ${WIDGET} in form-action`) }]);
  });

  it('launch_token_unavailable when getLaunchToken gives no token at mount, and no launch is posted', async () => {
    const container = document.createElement('div');
    document.body.append(container);
    handle = mount(container, { getLaunchToken: async () => '', widgetUrl: WIDGET });
    const errors = errorsOf(handle);
    await flush();
    expect(errors).toEqual([{ code: 'launch_token_unavailable', message: expect.stringContaining('must resolve') }]);
    expect(submitted).toEqual([]);
  });
});

describe('session-expired says why', () => {
  it('passes the widget\'s reason on, and "unknown" when an older widget gives none', async () => {
    await mounted();
    const reasons: unknown[] = [];
    handle!.on('session-expired', (detail) => reasons.push(detail));
    fromWidget(env({ kind: 'session-expired', reason: 'revoked' }));
    fromWidget(env({ kind: 'session-expired' }));
    fromWidget(env({ kind: 'session-expired', reason: 'bored' }));
    expect(reasons).toEqual([{ reason: 'revoked' }, { reason: 'unknown' }, { reason: 'unknown' }]);
  });

  it('a re-launch the server refused is also an error event', async () => {
    await mounted();
    const reasons: unknown[] = [];
    const errors: unknown[] = [];
    handle!.on('session-expired', (detail) => reasons.push(detail));
    handle!.on('error', (detail) => errors.push(detail));
    fromWidget(env({ kind: 'session-expired', reason: 'launch_refused', serverCode: 'launch_invalid', message: 'bad aud' }));
    expect(reasons).toEqual([{ reason: 'launch_refused', serverCode: 'launch_invalid' }]);
    expect(errors).toEqual([{ code: 'launch_refused', serverCode: 'launch_invalid', message: 'bad aud' }]);
  });
});
