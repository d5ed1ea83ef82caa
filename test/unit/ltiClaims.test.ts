import { describe, expect, it } from 'vitest';
import { checkLtiClaims, LTI_CLAIM } from '../../server/auth/lti/ltiClaims.ts';
import { WidgetError } from '../../server/errors.ts';

// The claim rules of an LTI resource link launch (server/auth/lti/ltiClaims.ts), after the signature.

const rules = { nowSec: 1_000_000, clockSkew: 30, clientId: 'c1', deploymentIds: ['d1'], nonce: 'n1', targetLinkUri: 'https://w.example/lti/launch' };
const claims = (overrides: Record<string, unknown> = {}) => ({
  iss: 'https://lms.example',
  aud: 'c1',
  sub: 'u1',
  iat: 1_000_000,
  exp: 1_000_300,
  nonce: 'n1',
  [LTI_CLAIM.version]: '1.3.0',
  [LTI_CLAIM.messageType]: 'LtiResourceLinkRequest',
  [LTI_CLAIM.deploymentId]: 'd1',
  [LTI_CLAIM.targetLinkUri]: 'https://w.example/lti/launch',
  [LTI_CLAIM.resourceLink]: { id: 'r1', title: 'Reading' },
  ...overrides,
});
const codeOf = (overrides: Record<string, unknown>) => {
  try {
    checkLtiClaims(claims(overrides), rules);
    return null;
  } catch (err) {
    return err instanceof WidgetError ? err.code : String(err);
  }
};

describe('checkLtiClaims', () => {
  it('reads the user, the thread, its label and the locale', () => {
    expect(checkLtiClaims(claims({ [LTI_CLAIM.context]: { id: 'c-9' }, [LTI_CLAIM.presentation]: { locale: 'pt_BR' }, given_name: 'Ada', family_name: 'L' }), rules)).toMatchObject({
      sub: 'u1',
      deploymentId: 'd1',
      ctx: 'lti:c-9/r1',
      contextLabel: 'Reading',
      locale: 'pt-BR',
      name: 'Ada L',
    });
  });

  it('keeps two long placements apart (hashed, never cut) and drops a locale that is not a language tag', () => {
    const long = (c: string) => checkLtiClaims(claims({ [LTI_CLAIM.context]: { id: 'x'.repeat(200) + c }, [LTI_CLAIM.resourceLink]: { id: 'y'.repeat(200) } }), rules).ctx;
    expect(long('a')).toMatch(/^lti:sha256:[0-9a-f]{64}$/);
    expect(long('a')).not.toBe(long('b'));
    expect(checkLtiClaims(claims({ [LTI_CLAIM.presentation]: { locale: '<script>' } }), rules).locale).toBeNull();
  });

  it('accepts a token within the clock skew and refuses one past it', () => {
    expect(checkLtiClaims(claims({ exp: 999_980 , iat: 999_900 }), rules).exp).toBe(999_980);
    expect(codeOf({ exp: 999_960, iat: 999_900 })).toBe('lti_token_expired');
    expect(codeOf({ iat: 1_000_031, exp: 1_000_300 })).toBe('lti_token_invalid');
  });

  it.each([
    [{ aud: ['c1', 'c2'] }, 'lti_wrong_audience'],
    [{ aud: 'c1', azp: 'c2' }, 'lti_wrong_audience'],
    [{ aud: undefined }, 'lti_wrong_audience'],
    [{ nonce: undefined }, 'lti_nonce_invalid'],
    [{ [LTI_CLAIM.version]: 1.3 }, 'lti_wrong_version'],
    [{ [LTI_CLAIM.messageType]: undefined }, 'lti_wrong_message_type'],
    [{ [LTI_CLAIM.deploymentId]: ['d1'] }, 'lti_deployment_unknown'],
    [{ [LTI_CLAIM.targetLinkUri]: 'https://w.example/lti/launch?x=1' }, 'lti_target_invalid'],
    [{ sub: '' }, 'lti_token_invalid'],
    [{ sub: 'u'.repeat(255), [LTI_CLAIM.deploymentId]: 'd1' }, 'lti_token_invalid'],
    [{ [LTI_CLAIM.resourceLink]: { title: 'no id' } }, 'lti_token_invalid'],
    [{ exp: '1000300' }, 'lti_token_invalid'],
  ])('refuses %o with %s', (overrides, code) => {
    expect(codeOf(overrides)).toBe(code);
  });
});
