/**
 * Password reset through the official SDK (every major in the matrix; SDK 7 also its legacy
 * `sendPasswordResetEmail`): createPasswordReset → getPasswordReset → resetPassword, the refusals
 * the SDK turns into exceptions, and the sessions a reset ends. Responses are checked against
 * WorkOS's OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, sdkFor } from './support/sdks.ts';

describe.each(MAJORS)('password reset with SDK %s', (major) => {
  let p: Running;
  let workos: AnyWorkOS;
  const email = (s: string) => `${s}-${major}@reset.example.com`;

  beforeAll(async () => {
    p = await startPortico();
    workos = await sdkFor(major, p);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('creates, reads and uses a reset; old sessions end; the new password signs in', async () => {
    const user = await workos.userManagement.createUser({
      email: email('ada'),
      password: 'the old long password 2',
    });
    const before = await workos.userManagement.authenticateWithPassword({
      email: email('ada'),
      password: 'the old long password 2',
      clientId: p.h.clientId,
    });

    const reset = await workos.userManagement.createPasswordReset({ email: email('ada') });
    expect(reset).toMatchObject({ object: 'password_reset', userId: user.id, email: email('ada') });
    expect(reset.passwordResetToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(reset.passwordResetUrl).toBe(`${p.url}/authkit/reset-password?token=${reset.passwordResetToken}`);
    expect(Date.parse(reset.expiresAt) - Date.parse(reset.createdAt)).toBe(15 * 60 * 1000);

    const got = await workos.userManagement.getPasswordReset(reset.id);
    expect(got).toMatchObject({ id: reset.id, userId: user.id, passwordResetToken: '' });

    const { user: after } = await workos.userManagement.resetPassword({
      token: reset.passwordResetToken,
      newPassword: 'a shiny new passphrase 4',
    });
    expect(after).toMatchObject({ id: user.id, emailVerified: true });

    await expect(
      workos.userManagement.authenticateWithRefreshToken({
        refreshToken: before.refreshToken,
        clientId: p.h.clientId,
      }),
    ).rejects.toMatchObject({ status: 400 });
    const signedIn = await workos.userManagement.authenticateWithPassword({
      email: email('ada'),
      password: 'a shiny new passphrase 4',
      clientId: p.h.clientId,
    });
    expect(signedIn.user.id).toBe(user.id);
  });

  it('turns every refusal into an SDK exception with its code', async () => {
    await workos.userManagement.createUser({ email: email('grace'), password: 'the old long password 2' });
    const reset = await workos.userManagement.createPasswordReset({ email: email('grace') });
    // Every major raises WorkOS's 400 `password_reset_error` as a BadRequestException with errors[].
    const refusal = (code: string) => ({
      name: 'BadRequestException',
      status: 400,
      code: 'password_reset_error',
      errors: [expect.objectContaining({ code })],
    });
    await expect(
      workos.userManagement.resetPassword({ token: reset.passwordResetToken, newPassword: 'password' }),
    ).rejects.toMatchObject(refusal('password_breached'));
    await expect(
      workos.userManagement.resetPassword({ token: 'not-a-token', newPassword: 'a shiny new passphrase 4' }),
    ).rejects.toMatchObject(refusal('password_reset_token_invalid'));
    await workos.userManagement.resetPassword({
      token: reset.passwordResetToken,
      newPassword: 'a shiny new passphrase 4',
    });
    await expect(
      workos.userManagement.resetPassword({
        token: reset.passwordResetToken,
        newPassword: 'another shiny passphrase 5',
      }),
    ).rejects.toMatchObject(refusal('password_reset_token_used'));
    await expect(workos.userManagement.createPasswordReset({ email: email('nobody') })).rejects.toMatchObject(
      {
        status: 404,
      },
    );
    await expect(
      workos.userManagement.getPasswordReset('password_reset_01HNOPE0000000000000000000'),
    ).rejects.toMatchObject({ status: 404 });
  });

  it.runIf(major === '7')('sendPasswordResetEmail emails a link based on passwordResetUrl', async () => {
    await workos.userManagement.createUser({ email: email('send'), password: 'the old long password 2' });
    await workos.userManagement.sendPasswordResetEmail({
      email: email('send'),
      passwordResetUrl: 'https://app.example.com/reset',
    });
    const { db } = p.h.portico.deps;
    const mail = await db
      .selectFrom('emails')
      .select('id')
      .where('to_address', '=', email('send'))
      .executeTakeFirstOrThrow();
    const view = await p.h.portico.services.emails.get(p.h.environmentId, mail.id);
    expect(view!.text).toMatch(/https:\/\/app\.example\.com\/reset\?token=[A-Za-z0-9_-]{43}/);
  });

  it('sends responses that match WorkOS’s OpenAPI schemas', () => {
    const verdicts = p.recorded.map((r) => ({ r, v: checkAgainstSpec(r) }));
    const failures = verdicts
      .filter((x) => x.v.checked && x.v.errors.length)
      .map((x) => `${x.r.method} ${x.v.template} ${x.r.status}: ${x.v.errors.slice(0, 3).join('; ')}`);
    expect(failures).toEqual([]);
    expect(verdicts.filter((x) => x.v.checked && x.r.path.includes('password_reset')).length).toBeGreaterThan(
      2,
    );
  });
});
