// What a host platform registers and signs with (docs/protocol.md section 1).

/** Public-key algorithms: the key is a PEM or comes from the host's JWKS. */
export const ASYMMETRIC_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;
export type AsymmetricAlg = (typeof ASYMMETRIC_ALGS)[number];

/** The algorithms a tenant key can be registered for; a token is only checked with its key's. */
export const LAUNCH_ALGS = ['HS256', ...ASYMMETRIC_ALGS] as const;
export type LaunchAlg = (typeof LAUNCH_ALGS)[number];

export const isLaunchAlg = (value: unknown): value is LaunchAlg => typeof value === 'string' && (LAUNCH_ALGS as readonly string[]).includes(value);
