// The tool's addresses an LMS administrator enters (docs/lti.md), all under PUBLIC_URL.

export interface LtiToolUrls {
  /** OIDC third-party login initiation (GET or POST). */
  loginUrl: string;
  /** Where the platform form-posts the id_token: the only redirect URI. */
  redirectUri: string;
  /** The resource the launch opens; a login naming any other is refused. */
  targetLinkUri: string;
  /** The tool's public keys, which every LMS asks for: empty, since the tool signs nothing to platforms yet. */
  jwksUrl: string;
}

export const LTI_LOGIN_PATH = '/lti/login';
export const LTI_LAUNCH_PATH = '/lti/launch';
export const LTI_JWKS_PATH = '/lti/jwks.json';

export function ltiToolUrls(publicUrl: string): LtiToolUrls {
  return { loginUrl: publicUrl + LTI_LOGIN_PATH, redirectUri: publicUrl + LTI_LAUNCH_PATH, targetLinkUri: publicUrl + LTI_LAUNCH_PATH, jwksUrl: publicUrl + LTI_JWKS_PATH };
}
