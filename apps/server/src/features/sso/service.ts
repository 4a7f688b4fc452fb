/**
 * SSO sign-in flows (reference §5.1; issue 4 items 2–5, 7).
 *
 * A flow starts at `/sso/authorize` (the SSO API) or `/user_management/authorize` (AuthKit) and is
 * stored server-side under an unguessable id that travels as the SAML RelayState (and the
 * AuthnRequest ID) or the OIDC `state`, so the IdP's cross-site return needs no cookie. Flows are
 * consumed with one atomic UPDATE: a replayed response is refused. Every attempt — successful or
 * not — becomes an `sso_traces` row with its steps, the decoded assertion or claims (secrets
 * redacted) and, on failure, a precise reason and fix.
 */
import { inflateRawSync } from 'node:zlib';
import { buildAuthnRequestUrl, SamlError, validateSamlResponse } from '@portico/saml';
import { sha256 } from '../../platform/crypto.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { CODE_TTL_MS, checkPkce } from '../../platform/pkce.ts';
import { token } from '../../platform/random.ts';
import { safeFetch } from '../../platform/safe-http.ts';
import type { ConnectionTable, SsoFlowTable } from '../../platform/schema.ts';
import type { SignInPort } from '../../platform/sign-in.ts';
import type { EnvironmentService } from '../environments/service.ts';
import { appendEvent } from '../events/outbox.ts';
import { spValues } from './connections.ts';
import { type AttributeMap, type MappedProfile, mapSamlAttributes } from './mapping.ts';
import {
  newFlowSecrets,
  OidcError,
  type OidcFlowSecrets,
  authorizationUrl as oidcAuthorizationUrl,
  completeCallback as oidcComplete,
} from './oidc.ts';
import { SpKeyStore } from './sp-keys.ts';
import type { ProfileWire } from './wire.ts';

const FLOW_TTL_MS = 15 * 60 * 1000;
const PROFILE_TOKEN_TTL_S = 600;

export interface TraceStep {
  step: string;
  ok: boolean;
  detail?: string;
}

/** A failure that knows how to explain itself to whoever must fix it. */
export class SsoFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fix: string,
    readonly flow: SsoFlowTable | null,
    readonly traceId: string | null,
  ) {
    super(message);
  }
}

export interface StartInput {
  kind: 'sso_api' | 'authkit';
  redirectUri: string;
  appState: string | null;
  codeChallenge: string | null;
  loginHint?: string | null;
  /** An AuthKit sign-in for an invitation: the sign-in accepts it (the pending invitation's id). */
  invitationId?: string | null;
  /** The browser's address and user agent, for the `authentication.sso_failed` event. */
  meta?: { ip: string | null; userAgent: string | null };
}

export class SsoService {
  readonly spKeys: SpKeyStore;
  /**
   * `signIn` is AuthKit's side of the seam: an AuthKit sign-in (or an IdP-initiated one) ends as a
   * verified identity handed to it; SSO never provisions users or mints AuthKit codes itself.
   */
  constructor(
    private deps: Deps,
    private environments: EnvironmentService,
    private signIn: SignInPort,
  ) {
    this.spKeys = new SpKeyStore(deps);
  }

  private async newTrace(c: ConnectionTable, initiatedBy: 'sp' | 'idp', steps: TraceStep[]) {
    const id = this.deps.ids.next('sso_trace');
    await this.deps.db
      .insertInto('sso_traces')
      .values({
        id,
        environment_id: c.environment_id,
        connection_id: c.id,
        organization_id: c.organization_id,
        protocol: c.protocol,
        initiated_by: initiatedBy,
        outcome: 'pending',
        error_code: null,
        error_message: null,
        fix: null,
        email: null,
        steps: JSON.stringify(steps),
        decoded: null,
        started_at: this.deps.clock.now().toISOString(),
        finished_at: null,
      })
      .execute();
    return id;
  }

  private async finishTrace(
    id: string,
    r: {
      outcome: 'succeeded' | 'failed';
      steps: TraceStep[];
      decoded?: unknown;
      email?: string | null;
      code?: string;
      message?: string;
      fix?: string;
    },
  ) {
    const prev = await this.deps.db
      .selectFrom('sso_traces')
      .select('steps')
      .where('id', '=', id)
      .executeTakeFirst();
    const steps = [...(prev ? (JSON.parse(prev.steps) as TraceStep[]) : []), ...r.steps];
    await this.deps.db
      .updateTable('sso_traces')
      .set({
        outcome: r.outcome,
        steps: JSON.stringify(steps),
        decoded: r.decoded === undefined ? null : JSON.stringify(r.decoded),
        email: r.email ?? null,
        error_code: r.code ?? null,
        error_message: r.message ?? null,
        fix: r.fix ?? null,
        finished_at: this.deps.clock.now().toISOString(),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Starts a sign-in at the connection's IdP; returns the URL to send the browser to. */
  async start(c: ConnectionTable, input: StartInput): Promise<string> {
    const { deps } = this;
    if (c.state !== 'active') {
      throw new AppError('connection_inactive', {
        message: `Connection ${c.id} is ${c.state}: activate it (complete its set-up) before signing in with it.`,
      });
    }
    const now = deps.clock.now();
    const flowId = token(deps.random, 24);
    const steps: TraceStep[] = [
      {
        step: 'flow_started',
        ok: true,
        detail: `${input.kind === 'authkit' ? 'AuthKit' : 'SSO API'} sign-in, SP-initiated`,
      },
    ];
    const traceId = await this.newTrace(c, 'sp', steps);
    let url: string;
    let samlRequestId: string | null = null;
    let oidcSecrets: string | null = null;
    const sp = spValues(deps.config.publicUrl, c);
    if (c.protocol === 'saml') {
      samlRequestId = `_${flowId}`;
      url = buildAuthnRequestUrl({
        id: samlRequestId,
        issueInstant: now,
        spEntityId: sp.sp_entity_id,
        acsUrl: sp.acs_url,
        idpSsoUrl: c.saml_idp_sso_url!,
        relayState: flowId,
        ...(c.saml_sign_requests === 1
          ? { signingKey: (await this.spKeys.get(c.environment_id)).privateKeyPem }
          : {}),
      });
    } else {
      const secrets: OidcFlowSecrets = { ...newFlowSecrets((n) => deps.random.bytes(n)), state: flowId };
      oidcSecrets = deps.secrets.seal(JSON.stringify(secrets));
      try {
        url = await oidcAuthorizationUrl(this.oidcConfig(c), {
          redirectUri: sp.oidc_redirect_uri,
          secrets,
          loginHint: input.loginHint ?? undefined,
        });
      } catch (err) {
        // Discovery runs here, before the IdP is involved: an unreachable or broken discovery URL
        // fails the attempt in the tracer and comes back to the caller as a catalogued error
        // (the authorize endpoints send it to the app's redirect_uri), never as a 500.
        if (!(err instanceof OidcError) || err.code !== 'oidc_discovery_failed') throw err;
        // The trace row already holds `steps`; these are appended to it.
        await this.fail(
          c,
          new SsoFailure(err.code, err.message, err.fix, null, traceId),
          [...((err.details.steps as TraceStep[] | undefined) ?? [])],
          input.meta ?? { ip: null, userAgent: null },
        );
        throw new AppError('oidc_discovery_failed', {
          message: `Single sign-on with connection ${c.id} cannot start: ${err.message} ${err.fix}`,
          cause: err,
        });
      }
    }
    await deps.db
      .insertInto('sso_flows')
      .values({
        id: flowId,
        environment_id: c.environment_id,
        connection_id: c.id,
        kind: input.kind,
        redirect_uri: input.redirectUri,
        app_state: input.appState,
        code_challenge: input.codeChallenge,
        saml_request_id: samlRequestId,
        oidc_secrets_sealed: oidcSecrets,
        trace_id: traceId,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + FLOW_TTL_MS).toISOString(),
        consumed_at: null,
        invitation_id: input.kind === 'authkit' ? (input.invitationId ?? null) : null,
      })
      .execute();
    return url;
  }

  private oidcConfig(c: ConnectionTable) {
    return {
      discoveryUrl: c.oidc_discovery_url!,
      clientId: c.oidc_client_id!,
      clientSecret: this.deps.secrets.open(c.oidc_client_secret_sealed!),
      allowInsecureHttp: !this.deps.config.production,
      // IdP requests obey the same egress rules as webhooks (no metadata or link-local addresses).
      fetch: safeFetch({
        allowLoopback: this.deps.config.webhooks.allowLoopback,
        allowPrivate: this.deps.config.webhooks.allowPrivate,
      }) as never,
    };
  }

  private async connection(id: string) {
    const c = await this.deps.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!c)
      throw new SsoFailure(
        'connection_not_found',
        `No connection ${id} exists.`,
        'Check the ACS URL configured in the IdP.',
        null,
        null,
      );
    return c;
  }

  /** Consumes a flow exactly once (the single-use InResponseTo / state check). */
  private async consume(flow: SsoFlowTable) {
    const r = await this.deps.db
      .updateTable('sso_flows')
      .set({ consumed_at: this.deps.clock.now().toISOString() })
      .where('id', '=', flow.id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  private async flowById(id: string | null | undefined) {
    if (!id) return null;
    return (
      (await this.deps.db.selectFrom('sso_flows').selectAll().where('id', '=', id).executeTakeFirst()) ?? null
    );
  }

  /** The SAML ACS: validate, map, and finish. Returns where to send the browser. */
  async acs(
    connectionId: string,
    samlResponseB64: string,
    relayState: string | null,
    meta: { ip: string | null; userAgent: string | null },
  ) {
    const { deps } = this;
    const c = await this.connection(connectionId);
    let xml: string;
    try {
      xml = Buffer.from(samlResponseB64, 'base64').toString('utf8');
    } catch {
      xml = '';
    }
    const inResponseTo =
      /<(?:\w+:)?Response\b[^>]*\sInResponseTo="([^"]+)"/.exec(xml.slice(0, 4000))?.[1] ?? null;
    let flow = await this.flowById(relayState);
    if (!flow && inResponseTo?.startsWith('_')) flow = await this.flowById(inResponseTo.slice(1));
    if (flow && flow.connection_id !== c.id) flow = null;
    const traceId =
      flow?.trace_id ??
      (await this.newTrace(c, 'idp', [
        { step: 'flow_started', ok: true, detail: 'IdP-initiated (no matching AuthnRequest)' },
      ]));
    const steps: TraceStep[] = [
      { step: 'response_received', ok: true, detail: `${xml.length} bytes at the ACS` },
    ];
    const sp = spValues(deps.config.publicUrl, c);
    try {
      if (c.state !== 'active')
        throw new SsoFailure(
          'connection_inactive',
          `Connection ${c.id} is ${c.state}.`,
          'Activate the connection before signing in with it.',
          flow,
          traceId,
        );
      if (flow && flow.expires_at <= deps.clock.now().toISOString()) {
        throw new SsoFailure(
          'sso_flow_expired',
          'The sign-in took longer than 15 minutes.',
          'Start the sign-in again from the application.',
          flow,
          traceId,
        );
      }
      let result: ReturnType<typeof validateSamlResponse>;
      try {
        result = validateSamlResponse({
          xml,
          now: deps.clock.now(),
          skewMs: 120_000,
          idpCertificates: JSON.parse(c.saml_idp_certificates) as string[],
          idpEntityId: c.saml_idp_entity_id!,
          spEntityId: sp.sp_entity_id,
          acsUrl: sp.acs_url,
          expectedInResponseTo: flow?.saml_request_id ?? null,
          allowIdpInitiated: c.saml_allow_idp_initiated === 1,
          decryptionKey: (await this.spKeys.get(c.environment_id)).privateKeyPem,
        });
      } catch (err) {
        if (!(err instanceof SamlError)) throw err;
        steps.push(...(((err.details?.steps as TraceStep[]) ?? []) as TraceStep[]));
        throw new SsoFailure(err.code, err.message, err.fix, flow, traceId);
      }
      steps.push(...result.steps);
      if (flow && !(await this.consume(flow))) {
        throw new SsoFailure(
          'saml_in_response_to_replayed',
          `This SAML response (InResponseTo ${flow.saml_request_id}) was already used.`,
          'A response can be used once. Start the sign-in again; if this keeps happening, something is replaying responses.',
          flow,
          traceId,
        );
      }
      const a = result.assertion;
      // Each assertion is accepted once, until it expires: the replay check for IdP-initiated
      // sign-ins (which have no request to consume), and a second guard for SP-initiated ones.
      const seen = await deps.db
        .insertInto('saml_seen_assertions')
        .values({
          connection_id: c.id,
          assertion_id: a.assertionId || a.responseId,
          expires_at: a.notOnOrAfter ?? new Date(deps.clock.now().getTime() + 3_600_000).toISOString(),
        })
        .onConflict((oc) => oc.columns(['connection_id', 'assertion_id']).doNothing())
        .executeTakeFirst();
      if (Number(seen.numInsertedOrUpdatedRows ?? 0) !== 1) {
        throw new SsoFailure(
          'saml_assertion_replayed',
          `The assertion ${a.assertionId} was already used to sign in.`,
          'Each SAML response can be used once. Start the sign-in again from the IdP or the application.',
          flow,
          traceId,
        );
      }
      const mapped = mapSamlAttributes(
        a.nameId,
        a.nameIdFormat,
        a.attributes,
        JSON.parse(c.attribute_map) as AttributeMap,
      );
      const decoded = {
        issuer: a.issuer,
        name_id: a.nameId,
        name_id_format: a.nameIdFormat,
        session_index: a.sessionIndex,
        attributes: a.attributes,
        signed: a.signed,
        certificate_sha256: a.certificateFingerprint,
      };
      return await this.finish(c, flow, traceId, mapped, steps, decoded, relayState, meta);
    } catch (err) {
      if (err instanceof SsoFailure) await this.fail(c, err, steps, meta);
      throw err;
    }
  }

  /** The OIDC callback. */
  async oidcCallback(
    connectionId: string,
    callbackUrl: URL,
    meta: { ip: string | null; userAgent: string | null },
  ) {
    const c = await this.connection(connectionId);
    const flow = await this.flowById(callbackUrl.searchParams.get('state'));
    if (!flow || flow.connection_id !== c.id || !flow.oidc_secrets_sealed) {
      throw new SsoFailure(
        'oidc_state_mismatch',
        'The callback does not belong to a sign-in Portico started (unknown or missing state).',
        'Start the sign-in again from the application; do not reuse or bookmark the IdP page.',
        null,
        null,
      );
    }
    const steps: TraceStep[] = [];
    try {
      if (c.state !== 'active') {
        throw new SsoFailure(
          'connection_inactive',
          `Connection ${c.id} is ${c.state}.`,
          'Activate the connection before signing in with it.',
          flow,
          flow.trace_id,
        );
      }
      if (flow.expires_at <= this.deps.clock.now().toISOString()) {
        throw new SsoFailure(
          'sso_flow_expired',
          'The sign-in took longer than 15 minutes.',
          'Start the sign-in again from the application.',
          flow,
          flow.trace_id,
        );
      }
      if (!(await this.consume(flow))) {
        throw new SsoFailure(
          'oidc_state_replayed',
          'This sign-in callback was already used.',
          'Start the sign-in again.',
          flow,
          flow.trace_id,
        );
      }
      const secrets = JSON.parse(this.deps.secrets.open(flow.oidc_secrets_sealed)) as OidcFlowSecrets;
      let result: Awaited<ReturnType<typeof oidcComplete>>;
      try {
        result = await oidcComplete(this.oidcConfig(c), {
          callbackUrl,
          redirectUri: spValues(this.deps.config.publicUrl, c).oidc_redirect_uri,
          secrets,
          now: this.deps.clock.now(),
        });
      } catch (err) {
        if (!(err instanceof OidcError)) throw err;
        steps.push(...(((err.details?.steps as TraceStep[]) ?? []) as TraceStep[]));
        throw new SsoFailure(err.code, err.message, err.fix, flow, flow.trace_id);
      }
      steps.push(...result.steps);
      const p = result.profile;
      const mapped: MappedProfile = {
        idpId: p.idpId,
        email: p.email?.toLowerCase() ?? null,
        firstName: p.firstName,
        lastName: p.lastName,
        groups: p.groups,
        customAttributes: {},
        rawAttributes: p.raw,
      };
      return await this.finish(c, flow, flow.trace_id, mapped, steps, { claims: p.raw }, null, meta);
    } catch (err) {
      if (err instanceof SsoFailure) await this.fail(c, err, steps, meta);
      throw err;
    }
  }

  private async fail(
    c: ConnectionTable,
    err: SsoFailure,
    steps: TraceStep[],
    meta: { ip: string | null; userAgent: string | null },
  ) {
    steps.push({ step: 'failed', ok: false, detail: `${err.code}: ${err.message}` });
    if (err.traceId)
      await this.finishTrace(err.traceId, {
        outcome: 'failed',
        steps,
        code: err.code,
        message: err.message,
        fix: err.fix,
      });
    await appendEvent(this.deps.db, this.deps, {
      environmentId: c.environment_id,
      event: 'authentication.sso_failed',
      organizationId: c.organization_id,
      data: {
        type: 'sso',
        status: 'failed',
        user_id: null,
        email: null,
        ip_address: meta.ip,
        user_agent: meta.userAgent,
        error: { code: err.code, message: err.message },
        sso: { organization_id: c.organization_id, connection_id: c.id, session_id: null },
      },
    });
  }

  /** After a validated assertion or callback: domain policy, then a code for the app. */
  private async finish(
    c: ConnectionTable,
    flow: SsoFlowTable | null,
    traceId: string,
    mapped: MappedProfile,
    steps: TraceStep[],
    decoded: unknown,
    relayState: string | null,
    meta: { ip: string | null; userAgent: string | null },
  ): Promise<string> {
    const { deps } = this;
    if (!mapped.email) {
      throw new SsoFailure(
        'profile_email_missing',
        'The IdP did not send an email address (no email attribute, and the NameID is not an email).',
        'Map an email attribute in the IdP (for example `email`), or set the connection’s attribute_map.email to the attribute that holds it.',
        flow,
        traceId,
      );
    }
    steps.push({ step: 'profile_mapped', ok: true, detail: `email ${mapped.email}` });
    const org = c.organization_id
      ? await deps.db
          .selectFrom('organizations')
          .selectAll()
          .where('environment_id', '=', c.environment_id)
          .where('id', '=', c.organization_id)
          .executeTakeFirst()
      : undefined;
    if (org && org.allow_profiles_outside_organization !== 1) {
      const domain = mapped.email.split('@')[1] ?? '';
      const domains = await deps.db
        .selectFrom('organization_domains')
        .select('domain')
        .where('organization_id', '=', org.id)
        .execute();
      if (!domains.some((d) => d.domain === domain)) {
        throw new SsoFailure(
          'profile_not_allowed_outside_organization',
          `The IdP signed in ${mapped.email}, whose domain '${domain}' is not one of organization ${org.id}'s domains (${domains.map((d) => d.domain).join(', ') || 'none'}).`,
          'Add the domain to the organization, or allow profiles outside the organization (allow_profiles_outside_organization).',
          flow,
          traceId,
        );
      }
    }
    steps.push({ step: 'domain_policy', ok: true });
    // IdP-initiated sign-ins go to an allowed redirect URI: RelayState if it is one, else the first one.
    let target = flow;
    const idpInitiated = !flow;
    if (!target) {
      const uris = await this.environments.listRedirectUris(c.environment_id);
      const chosen = relayState && uris.includes(relayState) ? relayState : uris[0];
      if (!chosen) {
        throw new SsoFailure(
          'no_redirect_uri',
          'IdP-initiated sign-in needs a redirect URI to send the user to, and this environment has none.',
          'Add one with `portico redirect-uris add <url>`.',
          null,
          traceId,
        );
      }
      target = {
        kind: 'authkit',
        redirect_uri: chosen,
        app_state: null,
        code_challenge: null,
      } as SsoFlowTable;
    }
    const now = deps.clock.now();
    const profileId = deps.ids.next('prof');
    const profile: ProfileWire = {
      object: 'profile',
      id: profileId,
      idp_id: mapped.idpId,
      organization_id: c.organization_id,
      connection_id: c.id,
      connection_type: c.connection_type,
      email: mapped.email,
      first_name: mapped.firstName,
      last_name: mapped.lastName,
      name: [mapped.firstName, mapped.lastName].filter(Boolean).join(' ') || null,
      ...(mapped.groups.length ? { groups: mapped.groups } : {}),
      custom_attributes: mapped.customAttributes,
      raw_attributes: mapped.rawAttributes,
    };
    const sso = { organization_id: c.organization_id, connection_id: c.id };
    // The profile is kept for the SSO API; an IdP-initiated sign-in keeps it too, because nothing
    // says which kind of application will redeem its code (see exchange()).
    const storeProfile = async (tx: Deps['db']) => {
      await tx
        .insertInto('sso_profiles')
        .values({
          id: profileId,
          environment_id: c.environment_id,
          connection_id: c.id,
          organization_id: c.organization_id,
          data: JSON.stringify(profile),
          created_at: now.toISOString(),
        })
        .execute();
    };
    let redirect: URL;
    let signedIn: string;
    if (target.kind === 'sso_api') {
      // The SSO API: a profile code of its own (sso_codes), redeemed at /sso/token.
      const code = token(deps.random, 32);
      await deps.db.transaction().execute(async (tx) => {
        await storeProfile(tx);
        await tx
          .insertInto('sso_codes')
          .values({
            id: deps.ids.next('sso_code'),
            environment_id: c.environment_id,
            code_hash: sha256(code),
            profile_id: profileId,
            redirect_uri: target.redirect_uri,
            code_challenge: target.code_challenge,
            created_at: now.toISOString(),
            expires_at: new Date(now.getTime() + CODE_TTL_MS).toISOString(),
            used_at: null,
          })
          .execute();
        await appendEvent(tx, deps, {
          environmentId: c.environment_id,
          event: 'authentication.sso_succeeded',
          organizationId: c.organization_id,
          data: {
            type: 'sso',
            status: 'succeeded',
            user_id: null,
            email: mapped.email,
            ip_address: meta.ip,
            user_agent: meta.userAgent,
            sso: { ...sso, session_id: null },
          },
        });
      });
      redirect = new URL(target.redirect_uri);
      redirect.searchParams.set('code', code);
      if (target.app_state !== null) redirect.searchParams.set('state', target.app_state);
      signedIn = `profile ${profileId}`;
    } else {
      // AuthKit (or IdP-initiated): the verified identity goes to AuthKit's sign-in pipeline.
      const done = await this.signIn.completeWithCode(
        {
          kind: 'profile',
          environmentId: c.environment_id,
          email: mapped.email,
          firstName: mapped.firstName,
          lastName: mapped.lastName,
          emailVerified: true,
          method: 'SSO',
          eventType: 'sso',
          organizationId: c.organization_id,
          sso,
          provisionedBy: { id: c.id, name: 'SSO JIT provisioning' },
          meta,
          groupRoles: groupRoles(c, mapped.groups),
        },
        {
          redirectUri: target.redirect_uri,
          state: target.app_state,
          codeChallenge: target.code_challenge,
          ssoProfileId: idpInitiated ? profileId : null,
        },
        idpInitiated ? storeProfile : undefined,
        target.invitation_id ? { id: target.invitation_id } : undefined,
      );
      redirect = new URL(done.redirectUrl);
      signedIn = `user ${done.userId}`;
    }
    steps.push({
      step: target.kind === 'sso_api' ? 'profile_issued' : 'user_signed_in',
      ok: true,
      detail: signedIn,
    });
    await this.finishTrace(traceId, { outcome: 'succeeded', steps, decoded, email: mapped.email });
    return redirect.toString();
  }

  /** `POST /sso/token`: a single-use code for the profile and a 10-minute profile token. */
  /**
   * POST /sso/token: redeems a code once. Codes of SP-initiated SSO API sign-ins are in sso_codes;
   * an IdP-initiated sign-in's code is an AuthKit authorization code that names its profile, so an
   * application on the standalone SSO API can redeem it too — consuming the same row AuthKit would,
   * so the code still works exactly once, at whichever endpoint comes first.
   */
  async exchange(env: string, code: string, verifier: string | undefined, confidential: boolean) {
    const { deps } = this;
    const now = deps.clock.now().toISOString();
    const row =
      (await deps.db
        .updateTable('sso_codes')
        .set({ used_at: now })
        .where('environment_id', '=', env)
        .where('code_hash', '=', sha256(code))
        .where('used_at', 'is', null)
        .returning(['expires_at', 'code_challenge', 'profile_id'])
        .executeTakeFirst()
        .then(
          (r) => r && { expiresAt: r.expires_at, codeChallenge: r.code_challenge, profileId: r.profile_id },
        )) ?? (await this.signIn.consumeProfileCode(env, code));
    if (!row || row.expiresAt <= now)
      throw new AppError('invalid_grant', { message: 'The code is invalid, expired or already used.' });
    checkPkce({ challenge: row.codeChallenge, verifier, confidential, authorizeEndpoint: '/sso/authorize' });
    const profile = await deps.db
      .selectFrom('sso_profiles')
      .selectAll()
      .where('id', '=', row.profileId)
      .executeTakeFirstOrThrow();
    const accessToken = token(deps.random, 32, 'prof_tok_');
    await deps.db
      .insertInto('sso_profile_tokens')
      .values({
        token_hash: sha256(accessToken),
        environment_id: env,
        profile_id: profile.id,
        expires_at: new Date(deps.clock.now().getTime() + PROFILE_TOKEN_TTL_S * 1000).toISOString(),
      })
      .execute();
    return {
      token_type: 'Bearer',
      access_token: accessToken,
      expires_in: PROFILE_TOKEN_TTL_S,
      profile: JSON.parse(profile.data) as ProfileWire,
    };
  }

  async profileForToken(accessToken: string) {
    const row = await this.deps.db
      .selectFrom('sso_profile_tokens')
      .innerJoin('sso_profiles', 'sso_profiles.id', 'sso_profile_tokens.profile_id')
      .select(['sso_profiles.data', 'sso_profile_tokens.expires_at'])
      .where('sso_profile_tokens.token_hash', '=', sha256(accessToken))
      .executeTakeFirst();
    if (!row || row.expires_at <= this.deps.clock.now().toISOString()) return null;
    return JSON.parse(row.data) as ProfileWire;
  }

  async traces(env: string, connectionId: string, limit: number) {
    const rows = await this.deps.db
      .selectFrom('sso_traces')
      .selectAll()
      .where('environment_id', '=', env)
      .where('connection_id', '=', connectionId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((t) => ({
      object: 'sso_trace',
      id: t.id,
      connection_id: t.connection_id,
      organization_id: t.organization_id,
      protocol: t.protocol,
      initiated_by: t.initiated_by,
      outcome: t.outcome,
      email: t.email,
      error: t.error_code ? { code: t.error_code, message: t.error_message, fix: t.fix } : null,
      steps: JSON.parse(t.steps) as TraceStep[],
      decoded: t.decoded ? JSON.parse(t.decoded) : null,
      started_at: t.started_at,
      finished_at: t.finished_at,
    }));
  }
}

/** Reads the ID and ACS URL of a deflated, base64 AuthnRequest (Portico's own Test IdP only). */
export function readAuthnRequest(samlRequest: string): { id: string | null; acsUrl: string | null } {
  try {
    const xml = inflateRawSync(Buffer.from(samlRequest, 'base64')).toString('utf8');
    return {
      id: /\sID="([^"]+)"/.exec(xml)?.[1] ?? null,
      acsUrl: /\sAssertionConsumerServiceURL="([^"]+)"/.exec(xml)?.[1] ?? null,
    };
  } catch {
    return { id: null, acsUrl: null };
  }
}

/**
 * The roles an SSO connection's group → role map gives the IdP's `groups` (matched exactly, as
 * the IdP sends them: names or ids); undefined when the connection maps no group, so the
 * membership's roles are left alone.
 */
export function groupRoles(c: ConnectionTable, groups: string[]): string[] | undefined {
  const map = JSON.parse(c.group_role_map) as Record<string, string>;
  if (Object.keys(map).length === 0) return undefined;
  return [...new Set(groups.map((g) => map[g]).filter((r): r is string => Boolean(r)))];
}
