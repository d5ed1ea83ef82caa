import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHostBridge } from '../../widget/hostBridge.ts';

const HOST = 'https://host.example';
const OTHER = 'https://evil.example';

function fakeWindow(ancestor?: string) {
  const target = new EventTarget();
  const parent = { postMessage: vi.fn() };
  const win = {
    parent,
    location: { ancestorOrigins: ancestor ? [ancestor] : undefined },
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
  };
  const deliver = (data: unknown, origin: string, source: unknown = parent) => {
    const event = new Event('message') as Event & { data: unknown; origin: string; source: unknown };
    Object.assign(event, { data, origin, source });
    target.dispatchEvent(event);
  };
  return { win: win as unknown as Window, parent, deliver };
}

const env = (body: object) => ({ type: 'notes-widget', v: 1, ...body });

afterEach(() => vi.useRealTimers());

describe('the widget side of the host channel', () => {
  it('does nothing when the widget is not framed', () => {
    const win = { parent: undefined } as unknown as Window;
    expect(createHostBridge({ hostOrigins: [HOST], win })).toBeNull();
    const self = {} as Record<string, unknown>;
    self.parent = self;
    expect(createHostBridge({ hostOrigins: [HOST], win: self as unknown as Window })).toBeNull();
  });

  it('addresses only registered origins, never "*"', () => {
    const { win, parent } = fakeWindow();
    createHostBridge({ hostOrigins: [HOST, 'https://other-host.example'], win });
    const targets = parent.postMessage.mock.calls.map((call) => call[1]);
    expect(targets).toEqual([HOST, 'https://other-host.example']);
    expect(parent.postMessage.mock.calls[0]![0]).toEqual(env({ kind: 'ready' }));
  });

  it('talks to the known ancestor origin only, when the browser tells it', () => {
    const { win, parent } = fakeWindow(HOST);
    createHostBridge({ hostOrigins: [HOST, 'https://other-host.example'], win });
    expect(parent.postMessage.mock.calls.map((call) => call[1])).toEqual([HOST]);
  });

  it('resolves a launch token only from the parent at a registered origin with a matching request id', async () => {
    const { win, parent, deliver } = fakeWindow(HOST);
    const bridge = createHostBridge({ hostOrigins: [HOST], win })!;
    const pending = bridge.requestLaunchToken();
    const request = parent.postMessage.mock.calls.at(-1)![0] as { kind: string; requestId: string };
    expect(request.kind).toBe('launch-token-request');

    deliver(env({ kind: 'launch-token', requestId: request.requestId, jwt: 'from-evil' }), OTHER);
    deliver(env({ kind: 'launch-token', requestId: request.requestId, jwt: 'from-sibling' }), HOST, {});
    deliver(env({ kind: 'launch-token', requestId: 'other-request', jwt: 'wrong-request' }), HOST);
    deliver({ type: 'notes-widget', v: 2, kind: 'launch-token', requestId: request.requestId, jwt: 'future-version' }, HOST);
    deliver(env({ kind: 'launch-token', requestId: request.requestId, jwt: 42 }), HOST);
    deliver(env({ kind: 'launch-token', requestId: request.requestId, jwt: 'the-real-one' }), HOST);
    await expect(pending).resolves.toBe('the-real-one');
  });

  it('gives null when the host has no token or does not answer in time', async () => {
    vi.useFakeTimers();
    const { win, parent, deliver } = fakeWindow(HOST);
    const bridge = createHostBridge({ hostOrigins: [HOST], win, launchTimeoutMs: 1000 })!;
    const refused = bridge.requestLaunchToken();
    const { requestId } = parent.postMessage.mock.calls.at(-1)![0] as { requestId: string };
    deliver(env({ kind: 'launch-token-unavailable', requestId }), HOST);
    await expect(refused).resolves.toBeNull();

    const silent = bridge.requestLaunchToken();
    vi.advanceTimersByTime(1001);
    await expect(silent).resolves.toBeNull();
  });

  it('reports height changes once each and session expiry with its reason', () => {
    const { win, parent } = fakeWindow(HOST);
    const bridge = createHostBridge({ hostOrigins: [HOST], win })!;
    bridge.reportHeight(200.2);
    bridge.reportHeight(200.7);
    bridge.reportHeight(250);
    bridge.reportSessionExpired({ reason: 'revoked' });
    const kinds = parent.postMessage.mock.calls.map((call) => call[0]);
    expect(kinds.slice(1)).toEqual([env({ kind: 'resize', height: 201 }), env({ kind: 'resize', height: 250 }), env({ kind: 'session-expired', reason: 'revoked' })]);
  });
});
