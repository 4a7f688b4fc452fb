/**
 * The sweeper, in-process on both databases: dashboard sessions go an hour after they end, Admin
 * Portal links a day after they expire (their sessions an hour after theirs), and nothing live is
 * touched; a swept link's page still says "expired", not "invalid".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../../src/jobs/sweep.ts';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
let orgId: string;

beforeAll(async () => {
  h = await createHarness({ env: { PORTICO_ADMIN_EMAIL: 'sweep@portico.test' } });
  orgId = String((await json(await h.api('POST', '/organizations', { name: 'Sweep Co' }))).id);
});
afterAll(() => h.close());

type Swept =
  | 'admin_sessions'
  | 'portal_links'
  | 'portal_sessions'
  | 'magic_auths'
  | 'email_verifications'
  | 'auth_challenges'
  | 'sms_messages'
  | 'pending_authentications'
  | 'oauth_flows';
const count = async (table: Swept) =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

async function link() {
  const res = await h.api('POST', '/portal/generate_link', { organization: orgId, intent: 'sso' });
  expect(res.status).toBe(201);
  return String((await json(res)).link);
}

describe('sweeper', () => {
  it('removes ended dashboard sessions and old portal links and sessions, and keeps live ones', async () => {
    const { password } = await h.portico.services.admin.bootstrap();
    const signIn = () =>
      h.portico.app.request('/_admin/session', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: h.portico.deps.config.publicUrl,
          'x-forwarded-for': '203.0.113.9',
        },
        body: JSON.stringify({ email: 'sweep@portico.test', password }),
      });
    expect((await signIn()).status).toBe(201);

    const used = await link();
    const launched = await h.portico.app.request(new URL(used).pathname + new URL(used).search);
    expect(launched.status).toBe(302);
    await link(); // never opened
    expect(await count('admin_sessions')).toBe(1);
    expect(await count('portal_links')).toBe(2);
    expect(await count('portal_sessions')).toBe(1);

    // Two hours on: the portal session (1 h) is gone; links (5 min) are kept for a day.
    h.testClock!.advance(2 * 3_600_000);
    await sweepOnce(h.portico.deps);
    expect(await count('portal_sessions')).toBe(0);
    expect(await count('portal_links')).toBe(2);
    expect(await count('admin_sessions')).toBe(1); // 12 h session still live
    expect((await signIn()).status).toBe(201); // a fresh one, to outlive the sweep below

    // Thirteen hours after the first sign-in: that session ended over an hour ago; links are a day old next.
    h.testClock!.advance(11 * 3_600_000);
    await sweepOnce(h.portico.deps);
    expect(await count('admin_sessions')).toBe(1);
    h.testClock!.advance(12 * 3_600_000);
    await sweepOnce(h.portico.deps);
    expect(await count('portal_links')).toBe(0);

    // A swept link is still refused as expired (its MAC names it), not as invalid.
    const page = await h.portico.app.request(new URL(used).pathname + new URL(used).search);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('portal_link_expired');
  });

  it('removes sign-in steps an hour after they expire, readable codes a week after, the SMS outbox with the events', async () => {
    const tables = [
      'magic_auths',
      'email_verifications',
      'auth_challenges',
      'sms_messages',
      'pending_authentications',
      'oauth_flows',
    ] as const;
    const counts = async () =>
      Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)])));
    const before = await counts();
    // One of each, through the API that makes it.
    expect(
      (await h.api('POST', '/user_management/magic_auth', { email: 'sweep-magic@sweep.test' })).status,
    ).toBe(201);
    const user = await json(
      await h.api('POST', '/user_management/users', {
        email: 'sweep-user@sweep.test',
        password: 'correct horse battery staple 9',
      }),
    );
    expect((await h.api('POST', `/user_management/users/${user.id}/email_verification/send`)).status).toBe(
      200,
    );
    const factor = await json(
      await h.api('POST', '/auth/factors/enroll', { type: 'sms', phone_number: '+15005550006' }),
    );
    expect((await h.api('POST', `/auth/factors/${factor.id}/challenge`, {})).status).toBe(201);
    await h.portico.services.environments.setMfaRequired(h.environmentId, true);
    const pending = await h.api('POST', '/user_management/authenticate', {
      client_id: h.clientId,
      client_secret: h.apiKey,
      grant_type: 'password',
      email: 'sweep-user@sweep.test',
      password: 'correct horse battery staple 9',
    });
    expect(pending.status).toBe(403);
    expect((await json(pending)).code).toBe('mfa_enrollment');
    await h.portico.services.environments.setMfaRequired(h.environmentId, false);
    const social = await h.portico.app.request(
      `/user_management/authorize?client_id=${h.clientId}&response_type=code&provider=GoogleOAuth&redirect_uri=${encodeURIComponent('http://localhost:3000/callback')}`,
    );
    expect(social.status).toBe(302);
    const made = await counts();
    for (const t of tables) expect(made[t], t).toBe(before[t] + 1);

    // Two hours on (everything lasts ≤ 1 h but the SMS code's 10 minutes): steps in flight go.
    h.testClock!.advance(2 * 3_600_000);
    await sweepOnce(h.portico.deps);
    let now = await counts();
    expect(now.pending_authentications).toBe(before.pending_authentications);
    expect(now.oauth_flows).toBe(before.oauth_flows);
    expect(now.magic_auths).toBe(made.magic_auths);
    expect(now.auth_challenges).toBe(made.auth_challenges);

    // Eight days on: codes the API reads by id are gone too; the SMS outbox stays with the events.
    h.testClock!.advance(8 * 86_400_000);
    await sweepOnce(h.portico.deps);
    now = await counts();
    expect(now.magic_auths).toBe(before.magic_auths);
    expect(now.email_verifications).toBe(before.email_verifications);
    expect(now.auth_challenges).toBe(before.auth_challenges);
    expect(now.sms_messages).toBe(made.sms_messages);
    h.testClock!.advance(h.portico.deps.config.eventRetentionDays * 86_400_000);
    await sweepOnce(h.portico.deps);
    expect(await count('sms_messages')).toBe(before.sms_messages);
  });
});
