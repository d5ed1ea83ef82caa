import { WidgetError } from '../../errors.ts';

// Login CSRF: any site could make a victim's browser open an attacker's own
// launch token, and the victim would then write into the attacker's account.
// Without cookies there is no browser-bound state to check (LTI 1.3's
// state/nonce), so a launch is bound to the embedding page instead, from what
// the browser itself says about the request. A request that says nothing
// (a server, an old browser) is left to the other defences (docs/integrating.md).

/** What the browser said about a launch request; null where a header was not sent. */
export interface LaunchSource {
  /** The Origin header: a serialized origin, or "null" when the browser hid it. */
  origin: string | null;
  /** Sec-Fetch-Site: same-origin, same-site, cross-site or none. */
  fetchSite: string | null;
  /** Sec-Fetch-Dest: iframe, document, empty, ... */
  fetchDest: string | null;
}

/**
 * - page: POST/GET /launch, which renders the widget inside the host page's iframe;
 * - api: POST /api/session, which the widget itself calls from that iframe.
 */
export type LaunchDoor = 'page' | 'api';

export interface LaunchOrigins {
  /** The tenant's registered host page origins. */
  tenant: string[];
  /** The widget's own origin (PUBLIC_URL): where the widget's own calls come from. */
  own: string;
}

const refuse = (message: string) => new WidgetError('launch_invalid', message);
const shown = (origin: string) => (origin.length > 100 ? `${origin.slice(0, 100)}…` : origin);

/** Throws launch_invalid when the browser reports a launch that the tenant's pages did not make. */
export function checkLaunchSource(source: LaunchSource, door: LaunchDoor, origins: LaunchOrigins): void {
  const { origin, fetchSite, fetchDest } = source;
  if (origins.tenant.length === 0) {
    throw refuse('This host platform has no page origin the widget may be framed by (production accepts https origins only); its operator must register one with `npm run tenant -- set-origins`.');
  }
  if (door === 'page' && fetchDest !== null && fetchDest !== 'iframe') {
    throw refuse(
      `A launch must open inside the host page's iframe, but the browser sent it for a "${shown(fetchDest)}" (Sec-Fetch-Dest). ` +
        'Mount the widget with the host SDK, which posts the launch token into its iframe; a launch opened as a page of its own is refused.',
    );
  }
  if (origin === null) return;
  if (origin === 'null') {
    // The browser hid the sender (e.g. Referrer-Policy: no-referrer on the host page). For an
    // iframe, frame-ancestors still lets the page render only inside the tenant's origins;
    // for the API, only the widget's own page may call.
    const vouched = door === 'page' ? fetchDest === 'iframe' : fetchSite === 'same-origin';
    if (!vouched) {
      throw refuse(
        'The browser hid the page this launch came from ("Origin: null") and did not say it is for an iframe. ' +
          'Launch from a host page that lets the browser send its origin (any Referrer-Policy but no-referrer and same-origin), or from a browser that sends Sec-Fetch-Dest.',
      );
    }
    return;
  }
  const allowed = door === 'page' ? origins.tenant : [...origins.tenant, origins.own];
  if (!allowed.includes(origin)) {
    throw refuse(
      `This launch was sent from ${shown(origin)}, which is not a registered origin of this host platform. ` +
        'Launches are accepted only from the host pages registered with `npm run tenant -- set-origins`.',
    );
  }
}
