// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { trackActivity } from '../../widget/activity.ts';
import { reportHeight } from '../../widget/reportHeight.ts';

afterEach(() => vi.unstubAllGlobals());

describe('trackActivity', () => {
  function setVisibility(state: 'visible' | 'hidden') {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
    document.dispatchEvent(new Event('visibilitychange'));
  }

  it('counts input and a tab becoming visible as activity, a hidden tab not', () => {
    setVisibility('hidden');
    const api = { markActive: vi.fn() };
    const stop = trackActivity(api);
    expect(api.markActive).not.toHaveBeenCalled();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
    document.body.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    expect(api.markActive).toHaveBeenCalledTimes(2);
    setVisibility('hidden');
    expect(api.markActive).toHaveBeenCalledTimes(2);
    setVisibility('visible');
    expect(api.markActive).toHaveBeenCalledTimes(3);
    stop();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
    expect(api.markActive).toHaveBeenCalledTimes(3);
  });

  it('counts a widget that loads in a visible tab as active', () => {
    setVisibility('visible');
    const api = { markActive: vi.fn() };
    trackActivity(api)();
    expect(api.markActive).toHaveBeenCalledTimes(1);
  });
});

describe('reportHeight', () => {
  it('tells the host the content height each time it changes, until stopped (the host link rounds and drops repeats)', () => {
    let notify: () => void = () => {};
    vi.stubGlobal(
      'ResizeObserver',
      class {
        constructor(callback: () => void) {
          notify = callback;
        }
        observe() {
          notify();
        }
        disconnect() {
          notify = () => {};
        }
      },
    );
    let height = 120.2;
    const element = document.createElement('div');
    element.getBoundingClientRect = () => ({ height }) as DOMRect;
    const host = { reportHeight: vi.fn() };
    const stop = reportHeight(element, host);
    height = 300;
    notify();
    expect(host.reportHeight.mock.calls).toEqual([[120.2], [300]]);
    stop();
    height = 500;
    notify();
    expect(host.reportHeight).toHaveBeenCalledTimes(2);
  });
});
