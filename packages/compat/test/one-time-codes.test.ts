/**
 * Magic Auth, email verification and organization selection through the official SDK (7, 8, 11,
 * 12) against a listening Portico: every method and grant of issue 12's items 2, 3 and 6, the
 * AuthenticationException each pending state raises, and the responses checked against WorkOS's
 * OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, sdkFor } from './support/sdks.ts';

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

describe.each(MAJORS)('SDK %s: Magic Auth, email verification, organization selection', (major) => {
  let p: Running;
  let workos: AnyWorkOS;
  const email = (s: string) => `${s}-codes-${major}@example.com`;

  beforeAll(async () => {
    p = await startPortico();
    workos = await sdkFor(major, p);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('createMagicAuth → getMagicAuth → authenticateWithMagicAuth; a used or wrong code is refused', async () => {
    const user = await workos.userManagement.createUser({
      email: email('magic'),
      password: 'magic auth pass 1',
    });
    const magic = await workos.userManagement.createMagicAuth({ email: email('magic') });
    expect(magic).toMatchObject({ object: 'magic_auth', userId: user.id, email: email('magic') });
    expect(magic.code).toMatch(/^\d{6}$/);
    expect(await workos.userManagement.getMagicAuth(magic.id)).toMatchObject({
      id: magic.id,
      code: magic.code,
    });
    const wrong = await raised(
      workos.userManagement.authenticateWithMagicAuth({
        code: magic.code === '000000' ? '111111' : '000000',
        email: email('magic'),
        clientId: p.h.clientId,
      }),
    );
    expect(wrong?.status).toBe(400);
    expect(wrong?.rawData).toMatchObject({ code: 'invalid_one_time_code' });
    const auth = await workos.userManagement.authenticateWithMagicAuth({
      code: magic.code,
      email: email('magic'),
      clientId: p.h.clientId,
    });
    expect(auth.user).toMatchObject({ id: user.id, emailVerified: true });
    expect(auth.authenticationMethod).toBe('MagicAuth');
    const again = await raised(
      workos.userManagement.authenticateWithMagicAuth({
        code: magic.code,
        email: email('magic'),
        clientId: p.h.clientId,
      }),
    );
    expect(again?.rawData).toMatchObject({ code: 'one_time_code_previously_used' });
    if (major === '7') {
      // SDK 7's sendMagicAuthCode: the legacy endpoint issues a code the same way.
      await workos.userManagement.sendMagicAuthCode({ email: email('magic-legacy') });
      const rows = await p.h.portico.deps.db
        .selectFrom('magic_auths')
        .select('id')
        .where('email', '=', email('magic-legacy'))
        .execute();
      expect(rows).toHaveLength(1);
    }
  });

  it('a new email signs up with its Magic Auth code', async () => {
    const magic = await workos.userManagement.createMagicAuth({ email: email('newcomer') });
    expect(magic.userId).toMatch(/^user_/);
    const auth = await workos.userManagement.authenticateWithMagicAuth({
      code: magic.code,
      email: email('newcomer'),
      clientId: p.h.clientId,
    });
    expect(auth.user).toMatchObject({ id: magic.userId, email: email('newcomer'), emailVerified: true });
    expect((await workos.userManagement.getUser(auth.user.id)).email).toBe(email('newcomer'));
  });

  it('email verification required: AuthenticationException → getEmailVerification → authenticateWithEmailVerification', async () => {
    await p.h.portico.services.environments.setEmailVerificationRequired(p.h.environmentId, true);
    try {
      const user = await workos.userManagement.createUser({
        email: email('verify'),
        password: 'verify me pass 1',
      });
      const stop = await raised(
        workos.userManagement.authenticateWithPassword({
          email: email('verify'),
          password: 'verify me pass 1',
          clientId: p.h.clientId,
        }),
      );
      expect(stop?.status).toBe(403);
      expect(stop?.rawData).toMatchObject({
        code: 'email_verification_required',
        email: email('verify'),
        user: { id: user.id, email_verified: false },
      });
      if (Number(major) >= 11) {
        expect(stop?.code).toBe('email_verification_required');
        expect(stop?.pendingAuthenticationToken).toBe(stop?.rawData.pending_authentication_token);
      }
      const verification = await workos.userManagement.getEmailVerification(
        String(stop?.rawData.email_verification_id),
      );
      expect(verification).toMatchObject({ object: 'email_verification', userId: user.id });
      const auth = await workos.userManagement.authenticateWithEmailVerification({
        code: verification.code,
        pendingAuthenticationToken: String(stop?.rawData.pending_authentication_token),
        clientId: p.h.clientId,
      });
      expect(auth.user).toMatchObject({ id: user.id, emailVerified: true });
    } finally {
      await p.h.portico.services.environments.setEmailVerificationRequired(p.h.environmentId, false);
    }
  });

  it('sendVerificationEmail → verifyEmail', async () => {
    const user = await workos.userManagement.createUser({ email: email('send-verify') });
    const sent = await workos.userManagement.sendVerificationEmail({ userId: user.id });
    expect(sent.user).toMatchObject({ id: user.id, emailVerified: false });
    const row = await p.h.portico.deps.db
      .selectFrom('email_verifications')
      .select('id')
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    const { code } = await workos.userManagement.getEmailVerification(row.id);
    const wrong = await raised(
      workos.userManagement.verifyEmail({ userId: user.id, code: code === '123456' ? '654321' : '123456' }),
    );
    expect(wrong?.rawData).toMatchObject({ code: 'email_verification_code_incorrect' });
    const verified = await workos.userManagement.verifyEmail({ userId: user.id, code });
    expect(verified.user).toMatchObject({ id: user.id, emailVerified: true });
  });

  it('organization selection: AuthenticationException with the organizations → authenticateWithOrganizationSelection', async () => {
    const a = await workos.organizations.createOrganization({ name: `Alpha ${major}` });
    const b = await workos.organizations.createOrganization({ name: `Beta ${major}` });
    const user = await workos.userManagement.createUser({
      email: email('multi'),
      password: 'two orgs pass 1',
    });
    for (const org of [a, b])
      await workos.userManagement.createOrganizationMembership({ organizationId: org.id, userId: user.id });
    const stop = await raised(
      workos.userManagement.authenticateWithPassword({
        email: email('multi'),
        password: 'two orgs pass 1',
        clientId: p.h.clientId,
      }),
    );
    expect(stop?.status).toBe(403);
    expect(stop?.rawData).toMatchObject({
      code: 'organization_selection_required',
      organizations: [
        { id: a.id, name: `Alpha ${major}` },
        { id: b.id, name: `Beta ${major}` },
      ],
    });
    const token = String(stop?.rawData.pending_authentication_token);
    const outsider = await workos.organizations.createOrganization({ name: `Gamma ${major}` });
    const refused = await raised(
      workos.userManagement.authenticateWithOrganizationSelection({
        organizationId: outsider.id,
        pendingAuthenticationToken: token,
        clientId: p.h.clientId,
      }),
    );
    expect(refused?.rawData).toMatchObject({ error: 'organization_membership_not_found' });
    const auth = await workos.userManagement.authenticateWithOrganizationSelection({
      organizationId: b.id,
      pendingAuthenticationToken: token,
      clientId: p.h.clientId,
    });
    expect(auth.organizationId).toBe(b.id);
    const replay = await raised(
      workos.userManagement.authenticateWithOrganizationSelection({
        organizationId: b.id,
        pendingAuthenticationToken: token,
        clientId: p.h.clientId,
      }),
    );
    expect(replay?.rawData).toMatchObject({ code: 'invalid_pending_authentication_token' });
  });

  it('answers with shapes that match WorkOS’s OpenAPI document', () => {
    const checked = p.recorded.map((r) => ({ r, v: checkAgainstSpec(r) })).filter((x) => x.v.checked);
    const failures = checked
      .filter((x) => x.v.errors.length)
      .map((x) => `${x.r.method} ${x.v.template} ${x.r.status}: ${x.v.errors.slice(0, 3).join('; ')}`);
    expect(failures).toEqual([]);
    expect(checked.length).toBeGreaterThan(5);
  });
});
