import { WidgetError } from '../../errors.ts';
import type { LaunchSource } from '../launch/launchSource.ts';

// What the browser says about the two posts of an LTI launch (docs/lti.md,
// "State without cookies"). A request that says nothing (no Origin, no
// Sec-Fetch-*: a server, an old browser) is not refused for that; the
// single-use state and nonce are then the only defence.

const unbound = (message: string) => new WidgetError('lti_state_unbound', message);

/** The id_token's form post: made by the platform's authorization page, into a frame or a window. */
export function checkPlatformPost(source: LaunchSource, platformOrigins: string[]): void {
  if (source.fetchDest !== null && source.fetchDest !== 'iframe' && source.fetchDest !== 'document') {
    throw unbound(`An LTI launch opens in a frame or a window, but the browser sent it for a "${source.fetchDest.slice(0, 40)}".`);
  }
  if (source.origin === null) return;
  if (!platformOrigins.includes(source.origin)) {
    // "null" included: a page that hides its origin cannot prove it is the platform.
    throw unbound('This launch was not posted by the LMS that the login started with (the browser says it came from another site).');
  }
}

/** The launch page's own post (platform storage path): only our page in the same browser makes it. */
export function checkOwnPost(source: LaunchSource, publicUrl: string): void {
  // "Origin: null" is what a page with a no-referrer policy sends; Sec-Fetch-Site then vouches for it.
  const origin = source.origin === 'null' && source.fetchSite === 'same-origin' ? publicUrl : source.origin;
  if ((origin !== null && origin !== publicUrl) || (source.fetchSite !== null && source.fetchSite !== 'same-origin')) {
    throw unbound('The end of an LTI launch must come from the launch page itself.');
  }
}
