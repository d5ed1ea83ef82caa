import type { WidgetErrorDetail } from './embedTypes.ts';

// What the host page can see of a launch that never reaches the widget. The
// browser hides why a cross-origin frame stayed silent, so the SDK reads the
// signs it is allowed to see:
// - this page's own CSP refusing the form post or the frame (form-action,
//   frame-src): a securitypolicyviolation event here, at once;
// - the widget's frame-ancestors refusing this page: the frame loads (an error
//   page the browser substitutes) and no message ever comes;
// - nothing at all within the timeout: the server is unreachable or too slow.

export interface LaunchWatch {
  /** The widget answered (any message): the launch reached it. */
  settle(): void;
}

export interface LaunchWatchOptions {
  iframe: HTMLIFrameElement;
  widgetOrigin: string;
  timeoutMs: number;
  report(detail: WidgetErrorDetail): void;
}

const sameOrigin = (url: string, origin: string) => {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
};

export function watchLaunch({ iframe, widgetOrigin, timeoutMs, report }: LaunchWatchOptions): LaunchWatch {
  let loaded = false;
  const onLoad = () => (loaded = true);
  const onViolation = (event: SecurityPolicyViolationEvent) => {
    if (event.disposition !== 'enforce' || !sameOrigin(event.blockedURI, widgetOrigin)) return;
    const directive = event.effectiveDirective || event.violatedDirective;
    settle();
    report({
      code: 'frame_blocked',
      directive,
      message: `This page's Content-Security-Policy blocked the widget (${directive}): allow ${widgetOrigin} in ${directive}.`,
    });
  };
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          settle();
          report(
            loaded
              ? {
                  code: 'frame_blocked',
                  directive: 'frame-ancestors',
                  message: `The widget page loaded but the browser would not show it here: ${location.origin} (or a page framing it) is not registered for this host platform (frame-ancestors).`,
                }
              : { code: 'never_ready', message: `The widget did not answer within ${timeoutMs} ms: ${widgetOrigin} is unreachable or too slow.` },
          );
        }, timeoutMs)
      : undefined;

  iframe.addEventListener('load', onLoad);
  document.addEventListener('securitypolicyviolation', onViolation, true);

  function settle() {
    clearTimeout(timer);
    iframe.removeEventListener('load', onLoad);
    document.removeEventListener('securitypolicyviolation', onViolation, true);
  }
  return { settle };
}
