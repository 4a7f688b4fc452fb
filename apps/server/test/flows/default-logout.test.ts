/**
 * Sign-out without `return_to` (issue 11, item 8): `GET /user_management/sessions/logout` goes to
 * the environment's default logout URI (set in the dashboard, `/_admin/default_logout_uri`, stored
 * by migration 0014), which must be on an allowed redirect URI's origin; without one it shows the
 * neutral "You are signed out" page (200, no alert, no error code). Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
let admin: Record<string, string>;
const DEFAULT = 'http://localhost:3000/signed-out';

beforeAll(async () => {
  h = await createHarness({ env: { PORTICO_ADMIN_EMAIL: 'logout@portico.test' } });
  const { password } = await h.portico.services.admin.bootstrap();
  const origin = h.portico.deps.config.publicUrl;
  const res = await h.portico.app.request('/_admin/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ email: 'logout@portico.test', password }),
  });
  expect(res.status).toBe(201);
  const { csrf_token } = await json<{ csrf_token: string }>(res);
  admin = {
    cookie: res.headers.get('set-cookie')!.split(';')[0]!,
    'x-portico-csrf': csrf_token,
    origin,
    'content-type': 'application/json',
  };
  await h.api('POST', '/user_management/users', { email: 'bye@example.com', password: 'a fine password 9' });
});
afterAll(() => h.close());

/** A fresh AuthKit session of bye@example.com; returns its id (the access token's sid). */
async function sessionId() {
  const auth = await h.api('POST', '/user_management/authenticate', {
    client_id: h.clientId,
    client_secret: h.apiKey,
    grant_type: 'password',
    email: 'bye@example.com',
    password: 'a fine password 9',
  });
  expect(auth.status).toBe(200);
  const { access_token } = await json<{ access_token: string }>(auth);
  return JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()).sid as string;
}

const logout = (query: Record<string, string>) =>
  h.portico.app.request(`/user_management/sessions/logout?${new URLSearchParams(query)}`);

const setDefault = (value: string | null) =>
  h.portico.app.request('/_admin/default_logout_uri', {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ default_logout_uri: value }),
  });

async function expectSignedOutPage(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/html');
  const html = await res.text();
  expect(html).toContain('<h1>You are signed out</h1>');
  expect(html).not.toContain('role="alert"');
  expect(html).not.toContain('class="error"');
}

describe('sign-out without return_to', () => {
  it('shows the neutral “You are signed out” page when no default logout URI is set', async () => {
    const got = await h.portico.app.request('/_admin/default_logout_uri', { headers: admin });
    expect(await json(got)).toEqual({ default_logout_uri: null });
    await expectSignedOutPage(await logout({ session_id: await sessionId() }));
  });

  it('refuses a default logout URI that is not on an allowed redirect URI’s origin, or not https', async () => {
    for (const bad of ['https://elsewhere.example/bye', 'http://app.example.com/bye', 'not a url']) {
      const res = await setDefault(bad);
      expect(res.status).toBe(422);
      const body = await json<{ code: string; message: string; errors: { field: string }[] }>(res);
      expect(body.code).toBe('invalid_request_parameters');
      expect(body.errors[0]!.field).toBe('default_logout_uri');
    }
    const foreign = await json<{ message: string }>(await setDefault('https://elsewhere.example/bye'));
    expect(foreign.message).toContain('redirect URI on https://elsewhere.example');
    expect(await json(await h.portico.app.request('/_admin/default_logout_uri', { headers: admin }))).toEqual(
      {
        default_logout_uri: null,
      },
    );
  });

  it('goes to the default logout URI once set; return_to still wins; cleared, the page again', async () => {
    const set = await setDefault(DEFAULT);
    expect(set.status, await set.clone().text()).toBe(200);
    expect(await json(set)).toEqual({ default_logout_uri: DEFAULT });

    const sid = await sessionId();
    const out = await logout({ session_id: sid });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe(DEFAULT);
    expect((await h.portico.services.sessions.findEnvironmentOfSession(sid))?.status).toBe('revoked');

    const explicit = await logout({
      session_id: await sessionId(),
      return_to: 'http://localhost:3000/other',
    });
    expect(explicit.headers.get('location')).toBe('http://localhost:3000/other');

    expect((await setDefault(null)).status).toBe(200);
    await expectSignedOutPage(await logout({ session_id: await sessionId() }));
  });

  it('falls back to the page when the redirect URI that allowed the default was removed', async () => {
    expect((await setDefault(DEFAULT)).status).toBe(200);
    await h.portico.services.environments.removeRedirectUri(
      h.environmentId,
      'http://localhost:3000/callback',
    );
    h.testClock!.advance(10_000); // past the allow-list cache
    try {
      await expectSignedOutPage(await logout({ session_id: await sessionId() }));
    } finally {
      await h.portico.services.environments.addRedirectUri(h.environmentId, 'http://localhost:3000/callback');
    }
  });
});
