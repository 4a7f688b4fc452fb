/**
 * SSO connections: the list (by organization), creating a SAML or OIDC connection, and one
 * connection's set-up view — the values to give the IdP, the IdP's values, attribute mapping,
 * activation, a real test sign-in and the tracer's recent attempts in words.
 */
import { type FormEvent, useState } from 'react';
import {
  Button,
  CopyValue,
  Empty,
  ErrorNotice,
  Field,
  formatDate,
  LoadState,
  Notice,
  Select,
  useAction,
  useLoad,
} from '../../shared/ui.tsx';
import { dash } from '../client.ts';
import {
  Badge,
  ConfirmButton,
  fieldError,
  Json,
  MapEditor,
  OrganizationSelect,
  PageHeader,
  useOrganizations,
} from '../kit.tsx';
import { OrgScopedList } from './OrgScopedList.tsx';
import './sso-dsync.css';

export interface Connection {
  id: string;
  name: string;
  connection_type: string;
  state: 'draft' | 'active' | 'inactive';
  organization_id?: string;
  domains: { domain: string }[];
  created_at: string;
}

interface ConnectionDetails extends Connection {
  attribute_map: Record<string, string>;
  group_role_map: Record<string, string>;
  setup_problem: string | null;
  saml?: {
    sp_entity_id: string;
    acs_url: string;
    metadata_url: string;
    idp_entity_id: string | null;
    idp_sso_url: string | null;
    certificates: {
      fingerprint_sha256: string;
      subject: string;
      not_after: string;
      expired: boolean;
      days_until_expiry: number;
      source: 'metadata' | 'added' | 'configured';
    }[];
    allow_idp_initiated: boolean;
    sign_requests: boolean;
  };
  oidc?: { discovery_url: string | null; client_id: string | null; redirect_uri: string };
}

interface Trace {
  id: string;
  outcome: 'pending' | 'succeeded' | 'failed';
  initiated_by: 'sp' | 'idp';
  email: string | null;
  error: { code: string; message: string | null; fix: string | null } | null;
  steps: { step: string; ok: boolean; detail?: string }[];
  decoded: unknown;
  started_at: string;
}

const SAML_TYPES = [
  ['OktaSAML', 'Okta (SAML)'],
  ['AzureSAML', 'Microsoft Entra ID (SAML)'],
  ['GoogleSAML', 'Google Workspace (SAML)'],
  ['ADFSSAML', 'Microsoft AD FS (SAML)'],
  ['OneLoginSAML', 'OneLogin (SAML)'],
  ['JumpCloudSAML', 'JumpCloud (SAML)'],
  ['PingFederateSAML', 'PingFederate (SAML)'],
  ['GenericSAML', 'Other SAML 2.0 IdP'],
] as const;
const OIDC_TYPES = [
  ['GenericOIDC', 'Other OpenID Connect provider'],
  ['OktaOIDC', 'Okta (OIDC)'],
  ['AzureOIDC', 'Microsoft Entra ID (OIDC)'],
  ['GoogleOIDC', 'Google (OIDC)'],
] as const;
const isOidc = (type: string) => type.endsWith('OIDC');

function parseRoute(route: string) {
  const [path = '', query = ''] = route.split('?');
  const parts = path.split('/').filter(Boolean); // ['connections', id?]
  return { id: parts[1], params: new URLSearchParams(query) };
}

export function ConnectionsPage({ route }: { route: string }) {
  const { id, params } = parseRoute(route);
  if (id === 'new') return <NewConnection />;
  if (id) return <ConnectionDetail id={id} testOutcome={params.get('sso_test')} />;
  return <ConnectionList organizationFilter={params.get('organization_id') ?? ''} />;
}

function ConnectionList({ organizationFilter }: { organizationFilter: string }) {
  return (
    <OrgScopedList<Connection>
      title="Connections"
      newHref="#/connections/new"
      newLabel="New connection"
      intro="Enterprise SSO: one SAML or OIDC connection per customer IdP, routed by organization or email domain. Customers can also set up their own through an Admin Portal link."
      endpoint="/connections"
      organization={organizationFilter}
      head={['Name', 'Type', 'Organization', 'State', 'Created']}
      row={(c, orgName) => [
        <a key="n" href={`#/connections/${c.id}`}>
          {c.name}
        </a>,
        c.connection_type,
        orgName(c.organization_id),
        <StateBadge key="s" state={c.state} />,
        formatDate(c.created_at),
      ]}
      empty={
        <Empty title="No connections yet">
          <p>
            Create one here, or send your customer an Admin Portal link so their IT admin can set it up. In
            development, the <strong>Test Organization</strong> has a ready-made connection to Portico&apos;s
            Test IdP.
          </p>
        </Empty>
      }
      intent="sso"
    />
  );
}

function StateBadge({ state }: { state: string }) {
  return <Badge ok={state === 'active' ? true : state === 'inactive' ? false : null}>{state}</Badge>;
}

function NewConnection() {
  const orgs = useOrganizations();
  const [name, setName] = useState('');
  const [org, setOrg] = useState('');
  const [type, setType] = useState('OktaSAML');
  const [source, setSource] = useState<'url' | 'xml' | 'manual'>('url');
  const [metadataUrl, setMetadataUrl] = useState('');
  const [metadataXml, setMetadataXml] = useState('');
  const [entityId, setEntityId] = useState('');
  const [ssoUrl, setSsoUrl] = useState('');
  const [cert, setCert] = useState('');
  const [discovery, setDiscovery] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const create = useAction(async () => {
    const body: Record<string, unknown> = { name, connection_type: type };
    if (org) body.organization_id = org;
    if (isOidc(type)) {
      if (discovery || clientId || clientSecret)
        body.oidc = { discovery_url: discovery, client_id: clientId, client_secret: clientSecret };
    } else if (source === 'url' && metadataUrl) body.saml = { idp_metadata_url: metadataUrl };
    else if (source === 'xml' && metadataXml) body.saml = { idp_metadata_xml: metadataXml };
    else if (source === 'manual' && (entityId || ssoUrl || cert))
      body.saml = {
        ...(entityId ? { idp_entity_id: entityId } : {}),
        ...(ssoUrl ? { idp_sso_url: ssoUrl } : {}),
        ...(cert ? { idp_certificates: [cert] } : {}),
      };
    const created = await dash.post<Connection>('/connections', body);
    window.location.hash = `/connections/${created.id}`;
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };
  const err = create.error;
  return (
    <section className="narrow">
      <PageHeader title="New connection" />
      <form className="panel" onSubmit={submit} noValidate>
        <Field
          label="Name"
          name="name"
          value={name}
          onChange={setName}
          required
          placeholder="Acme Okta"
          error={fieldError(err, 'name')}
        />
        <OrganizationSelect
          orgs={orgs}
          value={org}
          onChange={setOrg}
          emptyLabel="No organization"
          name="organization_id"
        />
        <p className="hint">
          Sign-ins through this connection belong to this organization; its domains route users here.
        </p>
        <Select
          label="Identity provider"
          name="connection_type"
          value={type}
          onChange={setType}
          options={[...SAML_TYPES, ...OIDC_TYPES].map(([value, label]) => ({ value, label }))}
        />
        {isOidc(type) ? (
          <fieldset className="plain">
            <legend>OpenID Connect client</legend>
            <Field
              label="Discovery URL"
              name="discovery_url"
              value={discovery}
              onChange={setDiscovery}
              placeholder="https://idp.example.com/.well-known/openid-configuration"
              error={fieldError(err, 'oidc.discovery_url')}
            />
            <Field
              label="Client ID"
              name="client_id"
              value={clientId}
              onChange={setClientId}
              error={fieldError(err, 'oidc.client_id')}
            />
            <Field
              label="Client secret"
              name="client_secret"
              type="password"
              autoComplete="off"
              value={clientSecret}
              onChange={setClientSecret}
              hint="Stored encrypted; it is never shown again."
              error={fieldError(err, 'oidc.client_secret')}
            />
          </fieldset>
        ) : (
          <fieldset className="plain">
            <legend>The IdP&apos;s SAML settings</legend>
            <Select
              label="How do you have them?"
              name="source"
              value={source}
              onChange={(v) => setSource(v as 'url' | 'xml' | 'manual')}
              options={[
                { value: 'url', label: 'A metadata URL (kept up to date automatically)' },
                { value: 'xml', label: 'A metadata XML file' },
                { value: 'manual', label: 'Entity ID, sign-in URL and certificate' },
              ]}
            />
            {source === 'url' ? (
              <Field
                label="IdP metadata URL"
                name="idp_metadata_url"
                value={metadataUrl}
                onChange={setMetadataUrl}
                placeholder="https://acme.okta.com/app/…/sso/saml/metadata"
                error={fieldError(err, 'saml.idp_metadata_url')}
              />
            ) : source === 'xml' ? (
              <Field
                label="IdP metadata XML"
                name="idp_metadata_xml"
                multiline
                value={metadataXml}
                onChange={setMetadataXml}
                error={fieldError(err, 'saml.idp_metadata_xml')}
              />
            ) : (
              <>
                <Field
                  label="IdP entity ID (issuer)"
                  name="idp_entity_id"
                  value={entityId}
                  onChange={setEntityId}
                />
                <Field label="IdP sign-in URL" name="idp_sso_url" value={ssoUrl} onChange={setSsoUrl} />
                <Field
                  label="IdP signing certificate (PEM)"
                  name="idp_certificate"
                  multiline
                  value={cert}
                  onChange={setCert}
                />
              </>
            )}
            <p className="hint">
              You can leave these empty and fill them in later: the connection stays a draft until it is
              complete.
            </p>
          </fieldset>
        )}
        <ErrorNotice error={err} title="The connection was not created." />
        <div className="actions">
          <Button type="submit" busy={create.busy}>
            Create connection
          </Button>
          <a className="btn btn-secondary" href="#/connections">
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}

function ConnectionDetail({ id, testOutcome }: { id: string; testOutcome: string | null }) {
  const details = useLoad(() => dash.get<ConnectionDetails>(`/connections/${id}/setup`), [id]);
  return (
    <section>
      <p>
        <a href="#/connections">← Connections</a>
      </p>
      <LoadState loaded={details} what="the connection">
        {(c) => <ConnectionView c={c} reload={details.reload} testOutcome={testOutcome} />}
      </LoadState>
    </section>
  );
}

function ConnectionView({
  c,
  reload,
  testOutcome,
}: {
  c: ConnectionDetails;
  reload: () => void;
  testOutcome: string | null;
}) {
  const test = useAction(async () => {
    const { url } = await dash.post<{ url: string }>(`/connections/${c.id}/test_sign_in`, {
      return_to: `/#/connections/${c.id}`,
    });
    window.location.assign(url);
  });
  const setState = useAction(async (state: 'active' | 'inactive') => {
    await dash.patch(`/connections/${c.id}`, { state });
    reload();
  });
  return (
    <>
      <PageHeader title={c.name}>
        <StateBadge state={c.state} />
      </PageHeader>
      <p className="muted">
        {c.connection_type} · <code>{c.id}</code>
        {c.organization_id ? (
          <>
            {' '}
            · organization <a href={`#/organizations/${c.organization_id}`}>{c.organization_id}</a>
          </>
        ) : null}
        {c.domains.length ? <> · domains {c.domains.map((d) => d.domain).join(', ')}</> : null}
      </p>
      {testOutcome === 'succeeded' ? (
        <Notice kind="success">
          The test sign-in worked. The attempt is the first one under “Recent sign-ins”.
        </Notice>
      ) : testOutcome === 'failed' ? (
        <Notice kind="warning">
          The test sign-in failed. The first attempt under “Recent sign-ins” says why and how to fix it.
        </Notice>
      ) : null}
      {c.setup_problem ? (
        <Notice kind="info">
          <strong>Set-up is not complete:</strong> {c.setup_problem}. The connection stays a draft until then.
        </Notice>
      ) : null}
      <div className="actions">
        <Button onClick={() => void test.run()} busy={test.busy} disabled={c.state !== 'active'}>
          Test sign-in
        </Button>
        {c.state === 'active' ? (
          <Button kind="secondary" onClick={() => void setState.run('inactive')} busy={setState.busy}>
            Deactivate
          </Button>
        ) : (
          <Button
            kind="secondary"
            onClick={() => void setState.run('active')}
            busy={setState.busy}
            disabled={!!c.setup_problem}
          >
            Activate
          </Button>
        )}
        <ConfirmButton
          label="Delete connection"
          question={`Delete ${c.name}? Users of this connection can no longer sign in with it.`}
          action={async () => {
            await dash.del(`/connections/${c.id}`);
            window.location.hash = '/connections';
          }}
        />
      </div>
      <ErrorNotice error={test.error ?? setState.error} />
      {c.saml ? <SamlSetupPanel c={c} reload={reload} /> : null}
      {c.oidc ? <OidcPanel c={c} reload={reload} /> : null}
      <AttributeMapPanel c={c} reload={reload} />
      <GroupRolePanel c={c} reload={reload} />
      <Traces id={c.id} />
    </>
  );
}

const SOURCE: Record<string, string> = {
  metadata: 'From the IdP’s metadata URL (refreshed every 12 hours)',
  added: 'Added here (kept until it expires or is removed)',
  configured: 'Configured',
};

/**
 * The certificates the ACS accepts, with their expiry and where each came from, and adding the
 * IdP's next one beside them (a rotation without a gap) or removing one that is no longer used.
 */
function SigningCertificates({ c, reload }: { c: ConnectionDetails; reload: () => void }) {
  const certs = c.saml!.certificates;
  const [pem, setPem] = useState('');
  const add = useAction(async () => {
    await dash.post(`/connections/${c.id}/certificates`, { certificate: pem });
    setPem('');
    reload();
  });
  const remove = useAction(async (fingerprint: string) => {
    await dash.del(`/connections/${c.id}/certificates/${fingerprint}`);
    reload();
  });
  return (
    <section aria-label="Signing certificates">
      <h3>Signing certificates</h3>
      {certs.length === 0 ? <p>None yet: the IdP&apos;s metadata or certificate is needed.</p> : null}
      {certs.some((x) => x.days_until_expiry <= 90) && !certs.some((x) => x.days_until_expiry > 90) ? (
        <Notice kind="warning">
          Every certificate expires within 90 days. Add the IdP&apos;s next certificate below (or send the
          customer an Admin Portal link with the certificate_renewal intent) before sign-ins stop.
        </Notice>
      ) : null}
      <ul className="certificates">
        {certs.map((x) => (
          <li key={x.fingerprint_sha256}>
            <span className="mono wrap">{x.subject}</span>
            <code className="fingerprint">SHA-256 {x.fingerprint_sha256}</code>
            <span>
              {x.expired
                ? `Expired on ${formatDate(x.not_after)}`
                : `Expires ${formatDate(x.not_after)} (${x.days_until_expiry} days left)`}
            </span>
            <span>{SOURCE[x.source]}</span>
            {certs.length > 1 && x.source !== 'metadata' ? (
              <ConfirmButton
                label="Remove"
                kind="danger"
                question="Remove this certificate? Sign-ins signed with it will stop working."
                action={() => remove.run(x.fingerprint_sha256)}
              />
            ) : null}
          </li>
        ))}
      </ul>
      <ErrorNotice error={remove.error} title="The certificate was not removed." />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void add.run();
        }}
      >
        <Field
          label="Add the IdP’s next certificate (PEM)"
          name="next_certificate"
          multiline
          value={pem}
          onChange={setPem}
          hint="Both stay accepted, so sign-ins keep working while the IdP switches keys. It survives metadata refreshes."
        />
        <ErrorNotice error={add.error} title="The certificate was not added." />
        <Button type="submit" busy={add.busy} disabled={!pem.trim()}>
          Add certificate
        </Button>
      </form>
    </section>
  );
}

function SamlSetupPanel({ c, reload }: { c: ConnectionDetails; reload: () => void }) {
  const saml = c.saml!;
  const [metadataUrl, setMetadataUrl] = useState('');
  const [metadataXml, setMetadataXml] = useState('');
  const save = useAction(async () => {
    await dash.patch(`/connections/${c.id}`, {
      saml: metadataUrl ? { idp_metadata_url: metadataUrl } : { idp_metadata_xml: metadataXml },
    });
    setMetadataUrl('');
    setMetadataXml('');
    reload();
  });
  return (
    <>
      <div className="panel">
        <h2>Give these to the IdP</h2>
        <CopyValue label="ACS URL (Reply URL, Single sign-on URL)" value={saml.acs_url} />
        <CopyValue label="SP entity ID (Audience URI, Identifier)" value={saml.sp_entity_id} />
        <CopyValue label="SP metadata URL" value={saml.metadata_url} />
      </div>
      <div className="panel">
        <h2>The IdP&apos;s values</h2>
        <dl className="facts">
          <dt>Entity ID</dt>
          <dd>{saml.idp_entity_id ?? '—'}</dd>
          <dt>Sign-in URL</dt>
          <dd>{saml.idp_sso_url ?? '—'}</dd>
          <dt>IdP-initiated sign-in</dt>
          <dd>{saml.allow_idp_initiated ? 'allowed' : 'not allowed'}</dd>
          <dt>Signed requests</dt>
          <dd>{saml.sign_requests ? 'yes' : 'no'}</dd>
        </dl>
        <SigningCertificates c={c} reload={reload} />
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <h3>Replace with new metadata</h3>
          <Field
            label="Metadata URL"
            name="idp_metadata_url"
            value={metadataUrl}
            onChange={setMetadataUrl}
            error={fieldError(save.error, 'saml.idp_metadata_url')}
          />
          <Field
            label="…or metadata XML"
            name="idp_metadata_xml"
            multiline
            value={metadataXml}
            onChange={setMetadataXml}
          />
          <ErrorNotice error={save.error} title="The metadata was not saved." />
          <Button type="submit" busy={save.busy} disabled={!metadataUrl && !metadataXml}>
            Save metadata
          </Button>
        </form>
      </div>
    </>
  );
}

function OidcPanel({ c, reload }: { c: ConnectionDetails; reload: () => void }) {
  const oidc = c.oidc!;
  const [discovery, setDiscovery] = useState(oidc.discovery_url ?? '');
  const [clientId, setClientId] = useState(oidc.client_id ?? '');
  const [secret, setSecret] = useState('');
  const save = useAction(async () => {
    await dash.patch(`/connections/${c.id}`, {
      oidc: { discovery_url: discovery, client_id: clientId, ...(secret ? { client_secret: secret } : {}) },
    });
    setSecret('');
    reload();
  });
  return (
    <div className="panel">
      <h2>OpenID Connect</h2>
      <CopyValue label="Redirect URI (register it at the provider)" value={oidc.redirect_uri} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <Field label="Discovery URL" name="discovery_url" value={discovery} onChange={setDiscovery} />
        <Field label="Client ID" name="client_id" value={clientId} onChange={setClientId} />
        <Field
          label="Client secret"
          name="client_secret"
          type="password"
          autoComplete="off"
          value={secret}
          onChange={setSecret}
          hint="Leave empty to keep the current secret."
        />
        <ErrorNotice error={save.error} title="The OIDC settings were not saved." />
        <Button type="submit" busy={save.busy}>
          Save
        </Button>
      </form>
    </div>
  );
}

const PROFILE_FIELDS = [
  ['email', 'Email'],
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['idp_id', 'IdP user id'],
  ['groups', 'Groups'],
] as const;

function AttributeMapPanel({ c, reload }: { c: ConnectionDetails; reload: () => void }) {
  const [map, setMap] = useState<Record<string, string>>(c.attribute_map);
  const save = useAction(async () => {
    const clean = Object.fromEntries(Object.entries(map).filter(([, v]) => v.trim()));
    await dash.patch(`/connections/${c.id}`, { attribute_map: clean });
    reload();
  });
  return (
    <form
      className="panel"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h2>Attribute mapping</h2>
      <p className="hint">
        Which IdP attribute fills each profile field. Leave a field empty to use the usual names (for SAML:
        the NameID or <code>email</code>, <code>firstName</code>/<code>givenname</code> claims…).
      </p>
      <div className="row">
        {PROFILE_FIELDS.map(([key, label]) => (
          <Field
            key={key}
            label={label}
            name={`attribute_map.${key}`}
            value={map[key] ?? ''}
            onChange={(v) => setMap((m) => ({ ...m, [key]: v }))}
            error={fieldError(save.error, `attribute_map.${key}`)}
          />
        ))}
      </div>
      <ErrorNotice error={save.error} title="The mapping was not saved." />
      <Button type="submit" busy={save.busy}>
        Save mapping
      </Button>
    </form>
  );
}

function GroupRolePanel({ c, reload }: { c: ConnectionDetails; reload: () => void }) {
  const [rows, setRows] = useState<[string, string][]>(Object.entries(c.group_role_map));
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    await dash.patch(`/connections/${c.id}`, {
      group_role_map: Object.fromEntries(
        rows.filter(([k]) => k.trim()).map(([k, v]) => [k.trim(), v.trim()]),
      ),
    });
    setSaved(true);
    reload();
  });
  return (
    <form
      className="panel"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h2>Group → role</h2>
      <p className="hint">
        At each sign-in, the member’s roles in {c.organization_id ? 'the organization' : 'their organization'}{' '}
        follow the groups the IdP sends (the <code>groups</code> attribute or claim, matched exactly: a name
        or an id, as your IdP sends it). Several mapped groups give several roles, highest priority first; no
        mapped group gives the default role. With no rows, roles are left as they are set in Portico. A
        directory that manages the membership takes precedence.
      </p>
      <MapEditor
        legend="Mapped groups"
        keyLabel="IdP group"
        valueLabel="Role slug"
        value={rows}
        onChange={setRows}
        errorFor={(k) => fieldError(save.error, `group_role_map.${k}`)}
      />
      <ErrorNotice error={save.error} title="The group → role map was not saved." />
      {saved ? <Notice kind="success">Saved. It applies from the next sign-in.</Notice> : null}
      <Button type="submit" busy={save.busy}>
        Save group → role map
      </Button>
    </form>
  );
}

function Traces({ id }: { id: string }) {
  const traces = useLoad(() => dash.get<{ data: Trace[] }>(`/connections/${id}/sso_traces?limit=20`), [id]);
  return (
    <div className="panel">
      <div className="topbar">
        <h2>Recent sign-ins</h2>
        <Button kind="secondary" onClick={traces.reload}>
          Refresh
        </Button>
      </div>
      <LoadState loaded={traces} what="recent sign-ins">
        {(t) =>
          t.data.length === 0 ? (
            <Empty title="No sign-ins yet">
              <p>Use “Test sign-in” above: every attempt shows up here with each check Portico made.</p>
            </Empty>
          ) : (
            <ol className="traces">
              {t.data.map((x) => (
                <li key={x.id} className="trace">
                  <p>
                    <Badge ok={x.outcome === 'succeeded' ? true : x.outcome === 'failed' ? false : null}>
                      {x.outcome}
                    </Badge>{' '}
                    {formatDate(x.started_at)} · {x.initiated_by === 'idp' ? 'IdP-initiated' : 'SP-initiated'}
                    {x.email ? <> · {x.email}</> : null}
                  </p>
                  {x.error ? (
                    <div className="notice notice-error">
                      <strong>{x.error.message}</strong> {x.error.fix}{' '}
                      <span className="code">({x.error.code})</span>
                    </div>
                  ) : null}
                  <details>
                    <summary>Checks ({x.steps.length})</summary>
                    <ul className="steps-list">
                      {x.steps.map((s, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: steps are an ordered log
                        <li key={i}>
                          {s.ok ? '✓' : '✗'} <code>{s.step}</code> {s.detail}
                        </li>
                      ))}
                    </ul>
                    {x.decoded ? <Json value={x.decoded} label="What the IdP sent" /> : null}
                  </details>
                </li>
              ))}
            </ol>
          )
        }
      </LoadState>
    </div>
  );
}
