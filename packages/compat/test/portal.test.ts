/**
 * Admin Portal links through the official SDK against a listening Portico: `portal.generateLink`
 * (SDK 7 and 8) and `adminPortal.generateLink` (11 and 12) answer a link that opens the portal once,
 * SDK 12's `revokeLink` ends an admin's links and sessions, the SDK's exceptions carry Portico's
 * codes for bad input, and every response is checked against WorkOS's OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, type Major, modern, sdkClass } from './support/sdks.ts';

let p: Running;
let orgId: string;

beforeAll(async () => {
  p = await startPortico();
  const res = await fetch(`${p.url}/organizations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${p.h.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Portal Customer' }),
  });
  orgId = ((await res.json()) as { id: string }).id;
});
afterAll(() => p?.close());

/** The portal_links row of a link (found by its token's hash, the only form stored). */
async function storedLink(link: string) {
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256').update(new URL(link).searchParams.get('token')!).digest('hex');
  return p.h.portico.deps.db
    .selectFrom('portal_links')
    .selectAll()
    .where('token_hash', '=', hash)
    .executeTakeFirstOrThrow();
}

/** The generateLink of each major: `portal` up to 8, `adminPortal` from 9 on. */
const generate = (workos: AnyWorkOS, major: Major) =>
  modern(major)
    ? workos.adminPortal.generateLink.bind(workos.adminPortal)
    : workos.portal.generateLink.bind(workos.portal);

describe.each(MAJORS)('generateLink through the official SDK %s', (major) => {
  let workos: AnyWorkOS;
  beforeAll(async () => {
    const WorkOS = await sdkClass(major);
    workos = new WorkOS(p.h.apiKey, {
      apiHostname: '127.0.0.1',
      port: p.port,
      https: false,
      clientId: p.h.clientId,
    });
  });

  it('answers a link that opens the portal once', async () => {
    if (modern(major)) expect(workos.portal).toBeUndefined();
    const { link } = await generate(
      workos,
      major,
    )({
      organization: orgId,
      intent: 'sso',
      returnUrl: 'https://app.example.com/settings/sso',
      successUrl: 'https://app.example.com/settings/sso?done=1',
      // SDK 11 names the IT contacts adminEmails, SDK 12 itContactEmails (it drops adminEmails).
      ...(modern(major) ? { intentOptions: { sso: { providerType: 'OktaSAML' } } } : {}),
      ...(major === '11' ? { adminEmails: ['it@customer.example'] } : {}),
      ...(major === '12' ? { itContactEmails: ['it@customer.example'] } : {}),
    });
    const url = new URL(link);
    expect(`${url.origin}${url.pathname}`).toBe(`${p.url}/portal/launch`);
    const first = await fetch(link, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/portal');
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const session = (await (await fetch(`${p.url}/portal/api/session`, { headers: { cookie } })).json()) as {
      organization: { id: string; name: string };
      intent: string;
      return_url: string;
      success_url: string;
      intent_options: Record<string, unknown>;
    };
    expect(session).toMatchObject({
      organization: { id: orgId, name: 'Portal Customer' },
      intent: 'sso',
      return_url: 'https://app.example.com/settings/sso',
      success_url: 'https://app.example.com/settings/sso?done=1',
    });
    if (modern(major)) expect(session.intent_options).toEqual({ sso: { provider_type: 'OktaSAML' } });
    if (modern(major))
      expect(JSON.parse((await storedLink(link)).admin_emails)).toEqual(['it@customer.example']);
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('portal_link_used');
  });

  // SDK 12 adds externalUserId, itContactEmails and bookmarkSlug on generateLink, and revokeLink;
  // 7, 8 and 11 have neither (11 drops externalUserId; none has revokeLink).
  it.runIf(major === '12')(
    'SDK 12: revokeLink ends an admin’s links and sessions; refusals map to exceptions',
    async () => {
      const ap = workos.adminPortal;
      const admin = `admin-${Date.now()}`;
      const { link: unopened } = await ap.generateLink({
        organization: orgId,
        intent: 'sso',
        externalUserId: admin,
        itContactEmails: ['sec@customer.example'],
        intentOptions: { sso: { providerType: 'EntraIdSAML', bookmarkSlug: 'customer-okta' } },
      });
      const row = await storedLink(unopened);
      expect(row).toMatchObject({ external_user_id: admin, revoked_at: null });
      expect(JSON.parse(row.admin_emails)).toEqual(['sec@customer.example']);
      expect(JSON.parse(row.intent_options)).toEqual({
        sso: { provider_type: 'EntraIdSAML', bookmark_slug: 'customer-okta' },
      });
      const { link: opened } = await ap.generateLink({
        organization: orgId,
        intent: 'dsync',
        externalUserId: admin,
      });
      const launched = await fetch(opened, { redirect: 'manual' });
      expect(launched.status).toBe(302);
      const cookie = launched.headers.get('set-cookie')!.split(';')[0]!;
      expect((await fetch(`${p.url}/portal/api/session`, { headers: { cookie } })).status).toBe(200);
      const { link: colleague } = await ap.generateLink({
        organization: orgId,
        intent: 'sso',
        externalUserId: `${admin}-colleague`,
      });

      expect(await ap.revokeLink({ organization: orgId, externalUserId: admin })).toBeUndefined();
      const refused = await fetch(unopened, { redirect: 'manual' });
      expect(refused.status).toBe(410);
      expect(await refused.text()).toContain('data-code="portal_link_revoked"');
      const ended = await fetch(`${p.url}/portal/api/session`, { headers: { cookie } });
      expect(ended.status).toBe(401);
      expect(((await ended.json()) as { code: string }).code).toBe('portal_session_required');
      expect((await fetch(colleague, { redirect: 'manual' })).status).toBe(302);
      // Revoking again is harmless; an id no link was made with, or an unknown organization, is a 404.
      await ap.revokeLink({ organization: orgId, externalUserId: admin });
      await expect(
        ap.revokeLink({ organization: orgId, externalUserId: 'nobody-here' }),
      ).rejects.toMatchObject({
        status: 404,
        code: 'portal_link_not_found',
      });
      await expect(
        ap.revokeLink({ organization: 'org_01NOTHERE0000000000000000', externalUserId: admin }),
      ).rejects.toMatchObject({ status: 404 });
      await expect(ap.revokeLink({ organization: orgId, externalUserId: '' })).rejects.toMatchObject({
        status: 422,
      });
    },
  );

  it('each intent the portal has', async () => {
    for (const intent of ['dsync', 'domain_verification', 'certificate_renewal', 'audit_logs']) {
      const { link } = await generate(workos, major)({ organization: orgId, intent });
      expect(link).toContain('/portal/launch?token=');
    }
  });

  it('maps refusals onto the SDK’s exceptions', async () => {
    await expect(
      generate(workos, major)({ organization: 'org_01NOTHERE0000000000000000', intent: 'sso' }),
    ).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      generate(workos, major)({ organization: orgId, intent: 'bring_your_own_key' }),
    ).rejects.toMatchObject({
      status: 422,
    });
    await expect(
      generate(
        workos,
        major,
      )({ organization: orgId, intent: 'sso', returnUrl: 'http://insecure.example.com/' }),
    ).rejects.toMatchObject({ status: 422 });
  });
});

describe.each(MAJORS)('organization domain verification through the official SDK %s', (major) => {
  it('answers the domain with its new state', async () => {
    const WorkOS = await sdkClass(major);
    const workos: AnyWorkOS = new WorkOS(p.h.apiKey, {
      apiHostname: '127.0.0.1',
      port: p.port,
      https: false,
      clientId: p.h.clientId,
    });
    const domain = `verify-${major}.portal-customer.example`;
    const input = { organizationId: orgId, domain };
    const created = modern(major)
      ? await workos.organizationDomains.createOrganizationDomain(input)
      : await workos.organizationDomains.create(input);
    // The listening server's resolver is swapped for a map (deps.dns is injectable).
    p.h.portico.deps.dns = {
      async resolveTxt(name) {
        if (name === `_portico-verification.${domain}`) return [[created.verificationToken]];
        throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      },
    };
    const verify = (id: string) =>
      modern(major)
        ? workos.organizationDomains.verifyOrganizationDomain(id)
        : workos.organizationDomains.verify(id);
    const verified = await verify(created.id);
    expect(verified).toMatchObject({ id: created.id, domain, state: 'verified' });
  });
});

describe('portal responses', () => {
  it('match WorkOS’s OpenAPI schemas', () => {
    const checked = p.recorded.map((r) => ({ r, v: checkAgainstSpec(r) })).filter((x) => x.v.checked);
    const links = checked.filter((x) => x.r.path === '/portal/generate_link' && x.r.status === 201);
    // Each major generates at least three links above (PORTICO_TEST_SDK_MAJORS may narrow the matrix).
    expect(links.length).toBeGreaterThanOrEqual(3 * MAJORS.length);
    const failures = checked
      .filter((x) => x.v.errors.length)
      .map((x) => `${x.r.method} ${x.r.path} ${x.r.status}: ${x.v.errors.join('; ')}`);
    expect(failures).toEqual([]);
  });
});
