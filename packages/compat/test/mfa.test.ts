/**
 * Multi-factor authentication through the official SDK (7, 8, 11, 12) against a listening
 * Portico: every Multi-Factor Auth method (`mfa` in 7/8, `multiFactorAuth` in 11/12), the user
 * factor methods (7/8 `userManagement.enrollAuthFactor` / `listAuthFactors`, 11/12
 * `multiFactorAuth.createUserAuthFactor` / `listUserAuthFactors`), the `mfa_enrollment` and
 * `mfa_challenge` AuthenticationExceptions and `authenticateWithTotp`, with the responses checked
 * against WorkOS's OpenAPI document. Codes come from an independent RFC 6238 implementation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpAt, wrongTotp } from '../../../apps/server/test/support/totp.ts';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, modern, sdkFor } from './support/sdks.ts';

type Raised = {
  status: number;
  rawData: Record<string, unknown>;
  code?: string;
  pendingAuthenticationToken?: string;
};
const raised = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: Raised) => e,
  );

describe.each(MAJORS)('SDK %s: multi-factor authentication', (major) => {
  let p: Running;
  let workos: AnyWorkOS;
  let mfa: AnyWorkOS;
  const email = (s: string) => `${s}-mfa-${major}@example.com`;
  const enrollUser = (userId: string) =>
    modern(major)
      ? mfa.createUserAuthFactor({ userId, type: 'totp' })
      : workos.userManagement.enrollAuthFactor({ userId, type: 'totp' });
  const listUser = (userId: string) =>
    modern(major) ? mfa.listUserAuthFactors({ userId }) : workos.userManagement.listAuthFactors({ userId });

  beforeAll(async () => {
    p = await startPortico();
    workos = await sdkFor(major, p);
    mfa = modern(major) ? workos.multiFactorAuth : workos.mfa;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('enrollFactor (totp) → getFactor → challengeFactor → verifyChallenge → deleteFactor', async () => {
    const factor = await mfa.enrollFactor({ type: 'totp', issuer: 'Acme', user: email('totp') });
    expect(factor).toMatchObject({ object: 'authentication_factor', type: 'totp' });
    expect(factor.totp).toMatchObject({ issuer: 'Acme', user: email('totp') });
    expect(factor.totp.qrCode).toMatch(/^data:image\/png;base64,/);
    expect(factor.totp.uri).toContain(`secret=${factor.totp.secret}`);
    const got = await mfa.getFactor(factor.id);
    expect(got.id).toBe(factor.id);
    expect(got.totp).toEqual({ issuer: 'Acme', user: email('totp') });
    const challenge = await mfa.challengeFactor({ authenticationFactorId: factor.id });
    expect(challenge).toMatchObject({
      object: 'authentication_challenge',
      authenticationFactorId: factor.id,
    });
    const wrong = await mfa.verifyChallenge({
      authenticationChallengeId: challenge.id,
      code: wrongTotp(factor.totp.secret, Date.now()),
    });
    expect(wrong.valid).toBe(false);
    const ok = await mfa.verifyChallenge({
      authenticationChallengeId: challenge.id,
      code: totpAt(factor.totp.secret, Date.now()),
    });
    expect(ok).toMatchObject({ valid: true, challenge: { id: challenge.id } });
    const again = await raised(
      mfa.verifyChallenge({
        authenticationChallengeId: challenge.id,
        code: totpAt(factor.totp.secret, Date.now()),
      }),
    );
    expect(again?.status).toBe(422);
    await mfa.deleteFactor(factor.id);
    expect((await raised(mfa.getFactor(factor.id)))?.status).toBe(404);
  });

  it('enrollFactor (sms, generic_otp): the SMS code reaches the dev outbox; a malformed phone is refused', async () => {
    const bad = await raised(mfa.enrollFactor({ type: 'sms', phoneNumber: '555-0006' }));
    expect(bad?.status).toBe(422);
    const sms = await mfa.enrollFactor({ type: 'sms', phoneNumber: '+15005550006' });
    expect(sms.sms).toEqual({ phoneNumber: '+15005550006' });
    const c = await mfa.challengeFactor({ authenticationFactorId: sms.id, smsTemplate: 'Code {{code}}' });
    const outbox = await p.h.portico.deps.db
      .selectFrom('sms_messages')
      .selectAll()
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const code = /Code (\d{6})/.exec(p.h.portico.deps.secrets.open(outbox.body_sealed))![1];
    expect((await mfa.verifyChallenge({ authenticationChallengeId: c.id, code })).valid).toBe(true);
    const generic = await mfa.enrollFactor({ type: 'generic_otp' });
    const gc = await mfa.challengeFactor({ authenticationFactorId: generic.id });
    expect(gc.code).toMatch(/^\d{6}$/);
    expect((await mfa.verifyChallenge({ authenticationChallengeId: gc.id, code: gc.code })).valid).toBe(true);
  });

  it('mfa_enrollment → user factor → authenticateWithTotp; mfa_challenge → challengeFactor → authenticateWithTotp', async () => {
    await p.h.portico.services.environments.setMfaRequired(p.h.environmentId, true);
    try {
      const password = 'mfa sdk pass 1';
      const user = await workos.userManagement.createUser({ email: email('signin'), password });
      const signIn = () =>
        raised(
          workos.userManagement.authenticateWithPassword({
            email: email('signin'),
            password,
            clientId: p.h.clientId,
          }),
        );
      const stop = await signIn();
      expect(stop?.status).toBe(403);
      expect(stop?.rawData).toMatchObject({ code: 'mfa_enrollment', user: { id: user.id } });
      if (Number(major) >= 11) expect(stop?.code).toBe('mfa_enrollment');
      const enrolled = await enrollUser(user.id);
      expect(enrolled.authenticationFactor).toMatchObject({ type: 'totp', userId: user.id });
      const secret = enrolled.authenticationFactor.totp.secret;
      const auth = await workos.userManagement.authenticateWithTotp({
        code: totpAt(secret, Date.now()),
        pendingAuthenticationToken: String(stop?.rawData.pending_authentication_token),
        authenticationChallengeId: enrolled.authenticationChallenge.id,
        clientId: p.h.clientId,
      });
      expect(auth.user.id).toBe(user.id);
      expect(auth.accessToken).toBeTruthy();
      const list = await listUser(user.id);
      expect(list.data.map((f: { id: string }) => f.id)).toEqual([enrolled.authenticationFactor.id]);

      const second = await signIn();
      expect(second?.status).toBe(403);
      expect(second?.rawData).toMatchObject({
        code: 'mfa_challenge',
        authentication_factors: [{ id: enrolled.authenticationFactor.id, type: 'totp' }],
      });
      const challenge = await mfa.challengeFactor({
        authenticationFactorId: enrolled.authenticationFactor.id,
      });
      const replay = await raised(
        workos.userManagement.authenticateWithTotp({
          code: totpAt(secret, Date.now()),
          pendingAuthenticationToken: String(second?.rawData.pending_authentication_token),
          authenticationChallengeId: challenge.id,
          clientId: p.h.clientId,
        }),
      );
      // The code just used is refused (unless the 30-second step turned in between: then it passes).
      if (replay) expect(replay.rawData).toMatchObject({ code: 'one_time_code_previously_used' });
    } finally {
      await p.h.portico.services.environments.setMfaRequired(p.h.environmentId, false);
    }
  });

  it('answers with shapes that match WorkOS’s OpenAPI document', () => {
    const checked = p.recorded.map((r) => ({ r, v: checkAgainstSpec(r) })).filter((x) => x.v.checked);
    const failures = checked
      .filter((x) => x.v.errors.length)
      .map((x) => `${x.r.method} ${x.v.template} ${x.r.status}: ${x.v.errors.slice(0, 3).join('; ')}`);
    expect(failures).toEqual([]);
    expect(checked.filter((x) => x.v.template?.startsWith('/auth/')).length).toBeGreaterThan(5);
  });
});
