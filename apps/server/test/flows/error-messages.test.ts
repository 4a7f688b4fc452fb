/**
 * Errors that leak nothing and help (issue 11, item 7): a 404 names the id only when it has the
 * shape of an id of the kind asked for, and otherwise says what is wrong with it, so an access
 * token pasted as a user id never reaches a message (nor the application's logs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeId, quote } from '../../src/platform/errors.ts';
import { createHarness, type Harness, json } from '../harness.ts';
import { signInForTokens } from './support.ts';

let h: Harness;
let accessToken: string;
let userId: string;

beforeAll(async () => {
  h = await createHarness();
  userId = String(
    (
      await json(
        await h.api('POST', '/user_management/users', {
          email: 'leak@example.com',
          password: 'correct-horse-battery',
        }),
      )
    ).id,
  );
  const auth = await signInForTokens(h, 'leak@example.com', 'correct-horse-battery');
  accessToken = String(auth.access_token);
});
afterAll(() => h.close());

describe('not-found messages', () => {
  it('an access token passed as a user id is not echoed; the message says what was expected', async () => {
    const res = await h.api('GET', `/user_management/users/${accessToken}`);
    expect(res.status).toBe(404);
    const body = await json<{ code: string; message: string }>(res);
    expect(body.code).toBe('entity_not_found');
    expect(body.message).not.toContain(accessToken);
    expect(body.message).not.toContain(accessToken.slice(0, 40));
    expect(body.message).toContain('JWT');
    expect(body.message).toContain('user_…');
  });

  it('the same on every route that looks an id up (sessions, memberships, directories)', async () => {
    for (const path of [
      `/user_management/users/${accessToken}/sessions`,
      `/user_management/organization_memberships/${accessToken}`,
      `/directories/${accessToken}`,
      `/directories/directory_01HZZZZZZZZZZZZZZZZZZZZZZZ/users/${accessToken}`,
      `/organizations/${accessToken}`,
      `/connections/${h.apiKey}`,
    ]) {
      const res = await h.api('GET', path);
      const text = await res.text();
      expect([404, 422], path).toContain(res.status);
      expect(text, path).not.toContain(accessToken.slice(0, 40));
      expect(text, path).not.toContain(h.apiKey);
    }
  });

  it('an id of the right shape is named, so the message still helps', async () => {
    const missing = 'user_01HZZZZZZZZZZZZZZZZZZZZZZZ';
    const res = await json(await h.api('GET', `/user_management/users/${missing}`));
    expect(res.message).toBe(`User not found: '${missing}'.`);
    // Another kind's id is named too, with what was expected instead.
    const wrongKind = await json(await h.api('GET', `/organizations/${userId}`));
    expect(wrongKind.message).toBe(`Organization not found: '${userId}' is not a Portico org id (org_…).`);
  });

  it('a lookup by external_id quotes a short value and describes a long one', async () => {
    const short = await json(await h.api('GET', '/user_management/users/external_id/crm-42'));
    expect(short.message).toBe("User with external_id not found: 'crm-42'.");
    const long = 'x'.repeat(500);
    const longRes = await json(await h.api('GET', `/user_management/users/external_id/${long}`));
    expect(longRes.message).toBe('User with external_id not found: (500 characters, not shown).');
  });

  it('the token endpoint does not echo a token pasted as client_id', async () => {
    const res = await h.portico.app.request('/user_management/authenticate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: accessToken, grant_type: 'refresh_token', refresh_token: 'x' }),
    });
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).not.toContain(accessToken.slice(0, 40));
    expect(text).toContain('JWT');
  });

  it('quote() and describeId() never return a secret-shaped or long value', () => {
    expect(quote('sk_test_abcdefghijklmnop')).toBe('(an API key, not shown)');
    expect(quote(accessToken)).toBe('(a JWT, perhaps an access token, not shown)');
    expect(quote('a\nb')).toBe('(3 characters, not shown)');
    expect(quote('ok-value')).toBe("'ok-value'");
    expect(describeId('org_01HZZZZZZZZZZZZZZZZZZZZZZZ', 'org')).toBe("'org_01HZZZZZZZZZZZZZZZZZZZZZZZ'");
    expect(describeId(`org_${'Z'.repeat(500)}`, 'org')).toBe(
      'the id given (504 characters, not shown) is not a Portico org id (org_…)',
    );
  });
});

describe('unknown routes', () => {
  it('under the API’s paths, an unauthenticated caller gets 401 whether or not the route exists', async () => {
    for (const [method, path] of [
      ['GET', '/user_management/no_such_thing'],
      ['GET', '/user_management/users/x/no_such_thing'],
      ['PATCH', '/organizations'],
      ['POST', '/portal/no_such_thing'],
      ['GET', '/_admin/no_such_thing'],
    ] as const) {
      for (const accept of ['application/json', 'text/html']) {
        const res = await h.portico.app.request(path, { method, headers: { accept } });
        expect(res.status, `${method} ${path} (${accept})`).toBe(401);
        expect((await json(res)).code).toBe('unauthorized');
      }
      // The real route next to it answers the same way.
    }
    const real = await h.portico.app.request('/user_management/users', { headers: { accept: 'text/html' } });
    expect(real.status).toBe(401);
    expect((await json(real)).code).toBe('unauthorized');
  });

  it('with credentials, an unknown API route is 404 route_not_found and a huge path is not echoed', async () => {
    const res = await h.api('GET', '/user_management/no_such_thing');
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe('route_not_found');
    const huge = await h.api('GET', `/user_management/${'p'.repeat(3000)}/x`);
    expect(huge.status).toBe(404);
    expect(await huge.text()).not.toContain('p'.repeat(600));
  });

  it('a mistyped hosted-page link outside the API’s paths still gets the HTML 404 page, no credentials needed', async () => {
    const res = await h.portico.app.request('/authkit/sign-inn', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('route_not_found');
  });
});
