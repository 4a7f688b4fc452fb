/**
 * Invitations on the API (both dialects): the object and its events, the state machine (pending →
 * accepted / revoked, expired computed), membership on accept, and every bad input — unknown and
 * another environment's ids, used invitations, bad role slug, already a member, already invited,
 * expires_in_days out of range, empty bodies — answered with a stable code and changing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/platform/crypto.ts';
import { createHarness, type Harness, json } from '../harness.ts';

type Inv = {
  id: string;
  email: string;
  state: string;
  token: string;
  accept_invitation_url: string;
  organization_id: string | null;
  inviter_user_id: string | null;
  accepted_user_id: string | null;
  role_slug: string | null;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
  created_at: string;
};
const DAY = 24 * 60 * 60 * 1000;

let h: Harness;
let orgId: string;
let inviterId: string;
let foreign: { orgId: string; userId: string; invitationId: string; token: string };
const base = '/user_management/invitations';

const send = (body: Record<string, unknown>) => h.api('POST', base, body);
const sendOk = async (body: Record<string, unknown>) => {
  const res = await send(body);
  expect(res.status, await res.clone().text()).toBe(201);
  return json<Inv>(res);
};
const countRows = async (table: 'events' | 'invitations' | 'organization_memberships' | 'emails') =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
const snapshot = async () => [
  await countRows('events'),
  await countRows('invitations'),
  await countRows('organization_memberships'),
  await countRows('emails'),
];
const eventsOf = async (name: string) =>
  (
    await h.portico.deps.db
      .selectFrom('events')
      .select(['data', 'organization_id'])
      .where('event', '=', name)
      .orderBy('seq')
      .execute()
  ).map((e) => ({ ...JSON.parse(e.data), _org: e.organization_id }));
const expectError = async (res: Response, status: number, code: string) => {
  const body = await json<{ code?: string; error?: string; message?: string; error_description?: string }>(
    res,
  );
  expect([res.status, body.code ?? body.error], JSON.stringify(body)).toEqual([status, code]);
  expect(body.message ?? body.error_description).toBeTruthy();
  return body;
};

beforeAll(async () => {
  h = await createHarness();
  orgId = (await json<{ id: string }>(await h.api('POST', '/organizations', { name: 'Acme' }))).id;
  inviterId = (
    await json<{ id: string }>(
      await h.api('POST', '/user_management/users', {
        email: 'boss@acme.test',
        first_name: 'Bea',
        last_name: 'Boss',
      }),
    )
  ).id;
  const other = await h.portico.services.environments.createEnvironment('Elsewhere');
  const call = (method: string, path: string, body?: unknown) =>
    h.portico.app.request(path, {
      method,
      headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const fOrg = (await json<{ id: string }>(await call('POST', '/organizations', { name: 'Theirs' }))).id;
  const fUser = (
    await json<{ id: string }>(await call('POST', '/user_management/users', { email: 'them@else.test' }))
  ).id;
  const fInv = await json<Inv>(await call('POST', base, { email: 'x@else.test', organization_id: fOrg }));
  foreign = { orgId: fOrg, userId: fUser, invitationId: fInv.id, token: fInv.token };
});
afterAll(() => h.close());

describe('sending and reading', () => {
  it('sends with every field: the WorkOS object, the token sealed and hashed at rest, invitation.created without the secret', async () => {
    const inv = await sendOk({
      email: 'Ada@Example.com',
      organization_id: orgId,
      inviter_user_id: inviterId,
      role_slug: 'admin',
      expires_in_days: 3,
      locale: 'fr',
    });
    expect(inv).toMatchObject({
      object: 'invitation',
      email: 'ada@example.com',
      state: 'pending',
      accepted_at: null,
      revoked_at: null,
      organization_id: orgId,
      inviter_user_id: inviterId,
      accepted_user_id: null,
      role_slug: 'admin',
    });
    expect(inv.id).toMatch(/^invitation_[0-9A-Z]{26}$/);
    expect(Date.parse(inv.expires_at) - Date.parse(inv.created_at)).toBe(3 * DAY);
    expect(inv.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(inv.accept_invitation_url).toBe(
      `${h.portico.deps.config.publicUrl}/authkit/invite?invitation_token=${inv.token}`,
    );
    const row = await h.portico.deps.db
      .selectFrom('invitations')
      .selectAll()
      .where('id', '=', inv.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(sha256(inv.token));
    expect(JSON.stringify(row)).not.toContain(inv.token);
    // The invitation email was queued in the same transaction, with the accept link and who invited.
    const mails = await h.portico.services.emails.list(h.environmentId, { limit: 10 });
    const mail = mails.data.find((m) => m.to === 'ada@example.com')!;
    expect(mail).toMatchObject({ template: 'invitation' });
    expect(mail.text).toContain(inv.accept_invitation_url);
    expect(mail.text).toContain('Acme');
    expect(mail.text).toContain('Bea Boss');
    const [created] = (await eventsOf('invitation.created')).filter((e) => e.id === inv.id);
    expect(created).toMatchObject({ object: 'invitation', id: inv.id, state: 'pending', _org: orgId });
    expect(created).not.toHaveProperty('token');
    expect(created).not.toHaveProperty('accept_invitation_url');

    // get, by token, list (filters and pagination) return the same object with its token.
    expect(await json(await h.api('GET', `${base}/${inv.id}`))).toEqual(inv);
    expect(await json(await h.api('GET', `${base}/by_token/${inv.token}`))).toEqual(inv);
    const second = await sendOk({ email: 'bob@example.com', organization_id: orgId });
    expect(second.expires_at).toBe(new Date(Date.parse(second.created_at) + 7 * DAY).toISOString());
    expect(second.role_slug).toBeNull();
    const page1 = await json<{ data: Inv[]; list_metadata: { after: string | null } }>(
      await h.api('GET', `${base}?organization_id=${orgId}&limit=1&order=desc`),
    );
    expect(page1.data.map((i) => i.id)).toEqual([second.id]);
    const page2 = await json<{ data: Inv[]; list_metadata: { after: string | null } }>(
      await h.api(
        'GET',
        `${base}?organization_id=${orgId}&limit=1&order=desc&after=${page1.list_metadata.after}`,
      ),
    );
    expect(page2.data.map((i) => i.id)).toEqual([inv.id]);
    const byEmail = await json<{ data: Inv[] }>(await h.api('GET', `${base}?email=ADA%40example.com`));
    expect(byEmail.data.map((i) => i.id)).toEqual([inv.id]);
    // Another environment's invitations are not listed.
    const all = await json<{ data: Inv[] }>(await h.api('GET', `${base}?limit=100`));
    expect(all.data.map((i) => i.id)).not.toContain(foreign.invitationId);
  });

  it('sends an application invitation (no organization) and computes expired past expires_at', async () => {
    const inv = await sendOk({ email: 'solo@example.com', expires_in_days: 1 });
    expect(inv.organization_id).toBeNull();
    h.testClock!.advance(DAY + 1000);
    try {
      expect((await json<Inv>(await h.api('GET', `${base}/${inv.id}`))).state).toBe('expired');
      // An expired invitation no longer blocks a new one to the same email.
      const again = await sendOk({ email: 'solo@example.com' });
      expect(again.state).toBe('pending');
    } finally {
      h.testClock!.advance(-(DAY + 1000));
    }
  });
});

describe('refusals change nothing', () => {
  it('unknown and another environment’s organization, inviter, invitation and token: 404 entity_not_found', async () => {
    const before = await snapshot();
    await expectError(
      await send({ email: 'n@example.com', organization_id: foreign.orgId }),
      404,
      'entity_not_found',
    );
    await expectError(
      await send({ email: 'n@example.com', organization_id: 'org_01NOPE0000000000000000000' }),
      404,
      'entity_not_found',
    );
    await expectError(
      await send({ email: 'n@example.com', inviter_user_id: foreign.userId }),
      404,
      'entity_not_found',
    );
    for (const id of [foreign.invitationId, 'invitation_01NOPE000000000000000000']) {
      await expectError(await h.api('GET', `${base}/${id}`), 404, 'entity_not_found');
      await expectError(await h.api('POST', `${base}/${id}/accept`), 404, 'entity_not_found');
      await expectError(await h.api('POST', `${base}/${id}/revoke`), 404, 'entity_not_found');
      await expectError(await h.api('POST', `${base}/${id}/resend`, {}), 404, 'entity_not_found');
    }
    await expectError(await h.api('GET', `${base}/by_token/${foreign.token}`), 404, 'entity_not_found');
    await expectError(await h.api('GET', `${base}/by_token/not-a-token`), 404, 'entity_not_found');
    expect(await snapshot()).toEqual(before);
  });

  it('bad role slug and expires_in_days out of range: 400 as WorkOS; role without organization, bad email, non-integer days: 422', async () => {
    const before = await snapshot();
    const role = await expectError(
      await send({ email: 'r@example.com', organization_id: orgId, role_slug: 'owner' }),
      400,
      'invalid_role',
    );
    await expectError(
      await send({ email: 'r@example.com', expires_in_days: 0 }),
      400,
      'expires_in_days_too_short',
    );
    await expectError(
      await send({ email: 'r@example.com', expires_in_days: -3 }),
      400,
      'expires_in_days_too_short',
    );
    await expectError(
      await send({ email: 'r@example.com', expires_in_days: 31 }),
      400,
      'expires_in_days_too_long',
    );
    expect(role.message).toContain('member');
    await expectError(
      await send({ email: 'r@example.com', role_slug: 'admin' }),
      422,
      'invalid_request_parameters',
    );
    await expectError(await send({ email: 'not-an-email' }), 422, 'invalid_request_parameters');
    await expectError(await send({}), 422, 'invalid_request_parameters');
    for (const days of [1.5, '7', null]) {
      const body = await expectError(
        await send({ email: 'r@example.com', expires_in_days: days }),
        422,
        'invalid_request_parameters',
      );
      expect(JSON.stringify(body)).toContain('expires_in_days');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('already invited, already a member, user already exists: 400 with the WorkOS codes', async () => {
    const inv = await sendOk({ email: 'dup@example.com', organization_id: orgId });
    await sendOk({ email: 'appdup@example.com' });
    const before = await snapshot();
    await expectError(await send({ email: 'appdup@example.com' }), 400, 'email_already_invited');
    const dup = await expectError(
      await send({ email: 'DUP@example.com', organization_id: orgId }),
      400,
      'email_already_invited_to_organization',
    );
    expect(dup.message).toContain(inv.id);
    await expectError(await send({ email: 'boss@acme.test' }), 400, 'user_already_exists');
    await h.api('POST', '/user_management/organization_memberships', {
      organization_id: orgId,
      user_id: inviterId,
    });
    const after = await snapshot();
    await expectError(
      await send({ email: 'boss@acme.test', organization_id: orgId }),
      400,
      'user_already_organization_member',
    );
    expect(after[1]).toBe(before[1]);
    expect(await snapshot()).toEqual(after);
  });
});

describe('accept, revoke, resend', () => {
  it('accept with an empty body creates the membership with the role; accepting again, revoking or resending it is refused', async () => {
    const inv = await sendOk({ email: 'carol@example.com', organization_id: orgId, role_slug: 'admin' });
    const before = await snapshot();
    await expectError(await h.api('POST', `${base}/${inv.id}/accept`), 400, 'invalid_invite');
    expect(await snapshot()).toEqual(before);
    const user = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', { email: 'Carol@Example.com' }),
    );
    // No body and no content type at all, as the SDK sends it.
    const res = await h.portico.app.request(`${base}/${inv.id}/accept`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.apiKey}` },
    });
    expect(res.status).toBe(200);
    const accepted = await json<Inv>(res);
    expect(accepted).toMatchObject({ state: 'accepted', accepted_user_id: user.id });
    expect(accepted.accepted_at).toBeTruthy();
    const ms = await json<{ data: { role: { slug: string }; status: string }[] }>(
      await h.api(
        'GET',
        `/user_management/organization_memberships?user_id=${user.id}&organization_id=${orgId}`,
      ),
    );
    expect(ms.data).toMatchObject([{ status: 'active', role: { slug: 'admin' } }]);
    expect((await eventsOf('invitation.accepted')).map((e) => e.id)).toContain(inv.id);
    const done = await snapshot();
    await expectError(await h.api('POST', `${base}/${inv.id}/accept`), 400, 'invite_not_pending');
    await expectError(await h.api('POST', `${base}/${inv.id}/revoke`), 400, 'invite_not_pending');
    await expectError(await h.api('POST', `${base}/${inv.id}/resend`, {}), 400, 'invite_accepted');
    expect(await snapshot()).toEqual(done);
  });

  it('revoke with an empty body; a revoked invitation cannot be accepted, revoked or resent', async () => {
    const inv = await sendOk({ email: 'dave@example.com', organization_id: orgId });
    await h.api('POST', '/user_management/users', { email: 'dave@example.com' });
    const res = await h.portico.app.request(`${base}/${inv.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' },
      body: '',
    });
    expect(res.status).toBe(200);
    const revoked = await json<Inv>(res);
    expect(revoked.state).toBe('revoked');
    expect(revoked.revoked_at).toBeTruthy();
    expect((await eventsOf('invitation.revoked')).map((e) => e.id)).toContain(inv.id);
    const before = await snapshot();
    await expectError(await h.api('POST', `${base}/${inv.id}/accept`, {}), 400, 'invite_not_pending');
    await expectError(await h.api('POST', `${base}/${inv.id}/revoke`, {}), 400, 'invite_not_pending');
    await expectError(await h.api('POST', `${base}/${inv.id}/resend`, {}), 400, 'invite_revoked');
    expect(await snapshot()).toEqual(before);
    // A revoked invitation no longer blocks a new one.
    await sendOk({ email: 'dave@example.com', organization_id: orgId });
  });

  it('resend of a pending invitation: a fresh expires_at, invitation.resent and the email again; an expired one cannot be accepted or resent', async () => {
    const inv = await sendOk({ email: 'erin@example.com', organization_id: orgId, expires_in_days: 2 });
    await h.api('POST', '/user_management/users', { email: 'erin@example.com' });
    h.testClock!.advance(DAY);
    const resent = await json<Inv>(await h.api('POST', `${base}/${inv.id}/resend`, { locale: 'de' }));
    expect(resent.state).toBe('pending');
    expect(resent.token).toBe(inv.token);
    expect(resent.expires_at).toBe(new Date(h.clock.now().getTime() + 2 * DAY).toISOString());
    expect((await eventsOf('invitation.resent')).map((e) => e.id)).toContain(inv.id);
    const mails = (await h.portico.services.emails.list(h.environmentId, { limit: 50 })).data;
    expect(mails.filter((m) => m.to === 'erin@example.com' && m.template === 'invitation')).toHaveLength(2);
    h.testClock!.advance(2 * DAY + 1);
    expect((await json<Inv>(await h.api('GET', `${base}/${inv.id}`))).state).toBe('expired');
    const before = await snapshot();
    const accept = await expectError(
      await h.api('POST', `${base}/${inv.id}/accept`),
      400,
      'invite_not_pending',
    );
    expect(accept.message).toContain('expired');
    await expectError(await h.api('POST', `${base}/${inv.id}/resend`, {}), 400, 'invite_expired');
    expect(await snapshot()).toEqual(before);
    // Revoking an expired invitation is allowed (it is still pending in storage).
    const revoked = await json<Inv>(await h.api('POST', `${base}/${inv.id}/revoke`));
    expect(revoked.state).toBe('revoked');
  });

  it('acceptForUser: email must match case-insensitively; a used, unknown or foreign token is invitation_invalid', async () => {
    const inv = await sendOk({ email: 'fay@example.com', organization_id: orgId, role_slug: 'member' });
    const svc = h.portico.services.invitations;
    const db = h.portico.deps.db;
    const env = h.environmentId;
    const before = await snapshot();
    await expect(
      db
        .transaction()
        .execute((tx) =>
          svc.acceptForUser(tx, env, { token: inv.token }, { id: inviterId, email: 'boss@acme.test' }),
        ),
    ).rejects.toMatchObject({ code: 'invitation_cannot_be_used_for_email' });
    await expect(
      db
        .transaction()
        .execute((tx) =>
          svc.acceptForUser(tx, env, { token: foreign.token }, { id: inviterId, email: 'x@else.test' }),
        ),
    ).rejects.toMatchObject({ code: 'invitation_invalid' });
    await expect(
      db
        .transaction()
        .execute((tx) =>
          svc.acceptForUser(tx, env, { token: 'nope' }, { id: inviterId, email: 'fay@example.com' }),
        ),
    ).rejects.toMatchObject({ code: 'invitation_invalid' });
    expect(await snapshot()).toEqual(before);
    const user = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', { email: 'fay@example.com' }),
    );
    const out = await db
      .transaction()
      .execute((tx) =>
        svc.acceptForUser(tx, env, { token: inv.token }, { id: user.id, email: 'FAY@example.com' }),
      );
    expect(out).toEqual({ invitationId: inv.id, organizationId: orgId });
    await expect(
      db
        .transaction()
        .execute((tx) =>
          svc.acceptForUser(tx, env, { token: inv.token }, { id: user.id, email: 'fay@example.com' }),
        ),
    ).rejects.toMatchObject({ code: 'invitation_invalid' });
  });

  it('two racing accepts: exactly one wins', async () => {
    const inv = await sendOk({ email: 'gus@example.com', organization_id: orgId });
    await h.api('POST', '/user_management/users', { email: 'gus@example.com' });
    const results = await Promise.all([1, 2, 3].map(() => h.api('POST', `${base}/${inv.id}/accept`)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    expect((await eventsOf('invitation.accepted')).filter((e) => e.id === inv.id)).toHaveLength(1);
  });
});
