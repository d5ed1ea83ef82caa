import crypto, { type KeyObject } from 'node:crypto';
import { LTI_CLAIM } from '../../server/auth/lti/ltiClaims.ts';
import { generateKeyPair, signAsymmetric } from '../../support/signJwt.ts';

// A learning platform as the tests play it: its issuer, the client_id it gave
// the tool, an RSA key published as a JWKS, and id_tokens signed with that key
// by node:crypto (independent of the verifier).

export interface TestLms {
  issuer: string;
  clientId: string;
  deploymentId: string;
  kid: string;
  privateKey: KeyObject;
  /** The JWKS document the platform publishes. */
  jwks(): { keys: crypto.JsonWebKey[] };
  /** Claims of a valid resource link launch; `overrides` replace or (with undefined) delete claims. */
  claims(input: { nonce: string; nowSec: number; audience: string; targetLinkUri: string }, overrides?: Record<string, unknown>): Record<string, unknown>;
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
}

export function makeTestLms(issuer: string, clientId = 'client-1', deploymentId = 'deployment-1'): TestLms {
  const { privateKey, publicKey } = generateKeyPair('RS256');
  const kid = `${new URL(issuer).hostname}-key-1`;
  return {
    issuer,
    clientId,
    deploymentId,
    kid,
    privateKey,
    jwks: () => ({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] }),
    claims({ nonce, nowSec, audience, targetLinkUri }, overrides = {}) {
      const claims: Record<string, unknown> = {
        iss: issuer,
        aud: audience,
        sub: 'lms-user-7',
        iat: nowSec,
        exp: nowSec + 300,
        nonce,
        name: 'Grace Hopper',
        [LTI_CLAIM.version]: '1.3.0',
        [LTI_CLAIM.messageType]: 'LtiResourceLinkRequest',
        [LTI_CLAIM.deploymentId]: deploymentId,
        [LTI_CLAIM.targetLinkUri]: targetLinkUri,
        [LTI_CLAIM.resourceLink]: { id: 'link-42', title: 'Week 3: Compilers' },
        [LTI_CLAIM.context]: { id: 'course-101', title: 'CS 101' },
        [LTI_CLAIM.presentation]: { locale: 'fr-CA', document_target: 'iframe' },
        'https://purl.imsglobal.org/spec/lti/claim/roles': ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
      };
      for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete claims[k];
        else claims[k] = v;
      }
      return claims;
    },
    sign: (claims, header = {}) => signAsymmetric('RS256', claims, privateKey, { kid, ...header }),
  };
}
