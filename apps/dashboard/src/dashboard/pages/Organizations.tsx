/**
 * Organizations: a searchable list, creation with domains, and a detail page with the
 * organization's domains, members (with roles), SSO connections and directories. Everything goes
 * through the WorkOS API (`/organizations`, `/organization_domains`,
 * `/user_management/organization_memberships`, `/connections`, `/directories`).
 */
import { type FormEvent, useState } from 'react';
import { ApiError, type List, qs } from '../../shared/api.ts';
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
  Table,
  useAction,
  useLoad,
} from '../../shared/ui.tsx';
import { dash, type Membership, type Organization, type User, userName } from '../client.ts';
import { Badge, ConfirmButton, fieldError, MfaPolicyPanel, PageHeader, usePagedList } from '../kit.tsx';

/**
 * The organizations Portico seeds in development (Test Organization, Test OIDC Organization) own
 * a domain under `.test` (reserved for testing, RFC 6761); the dashboard says what they are.
 */
const TEST_ORG_HELP =
  'Portico creates it in development (never in production) so SSO can be tried before any customer IdP exists. Its domain is under .test, reserved for testing, so it never blocks a real organization’s domain.';
function testProvider(o: { domains: { domain: string }[] }) {
  const d = o.domains.map((x) => x.domain);
  if (d.includes('saml.portico.test')) return 'SAML Test IdP';
  if (d.includes('oidc.portico.test')) return 'OIDC Test Provider';
  return null;
}

export const ROLE_OPTIONS = [
  { value: 'member', label: 'member' },
  { value: 'admin', label: 'admin' },
];

export function OrganizationsPage({ id }: { id?: string }) {
  return id ? <OrganizationDetail id={id} /> : <OrganizationList />;
}

const splitDomains = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);

function OrganizationList() {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const { list, controls } = usePagedList<Organization>(`/organizations${qs({ limit: 20, search: query })}`);
  const [name, setName] = useState('');
  const [domains, setDomains] = useState('');
  const [created, setCreated] = useState<Organization | null>(null);
  const create = useAction(async () => {
    const org = await dash.post<Organization>('/organizations', {
      name,
      domain_data: splitDomains(domains).map((domain) => ({ domain, state: 'pending' })),
    });
    setCreated(org);
    setName('');
    setDomains('');
    list.reload();
  });
  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    setQuery(search.trim());
  };
  return (
    <section>
      <PageHeader title="Organizations" />
      <div className="panel">
        <h2>Create an organization</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void create.run();
          }}
        >
          <div className="row top">
            <Field
              label="Name"
              name="name"
              value={name}
              onChange={setName}
              required
              error={fieldError(create.error, 'name')}
            />
            <Field
              label="Domains"
              name="domains"
              value={domains}
              onChange={setDomains}
              placeholder="example.com, example.org"
              hint="Optional. Separate with commas; they start as pending until verified."
              error={fieldError(create.error, 'domain_data')}
            />
          </div>
          <Button type="submit" busy={create.busy}>
            Create organization
          </Button>
        </form>
        <ErrorNotice error={create.error} />
        {created ? (
          <Notice kind="success">
            Created <a href={`#/organizations/${created.id}`}>{created.name}</a> (<code>{created.id}</code>).
          </Notice>
        ) : null}
      </div>
      <form className="row search" onSubmit={onSearch}>
        <Field label="Search by name" name="search" value={search} onChange={setSearch} />
        <Button type="submit" kind="secondary">
          Search
        </Button>
      </form>
      <LoadState loaded={list} what="organizations">
        {(page) => (
          <>
            <Table
              caption="Organizations"
              head={['Name', 'Domains', 'Id', 'Created']}
              rows={page.data.map((o) => [
                <span key="n">
                  <a href={`#/organizations/${o.id}`}>{o.name}</a>
                  {testProvider(o) ? (
                    <>
                      {' '}
                      <span className="badge" title={TEST_ORG_HELP}>
                        development test
                      </span>
                    </>
                  ) : null}
                </span>,
                o.domains.map((d) => d.domain).join(', ') || '—',
                <code key="i">{o.id}</code>,
                formatDate(o.created_at),
              ])}
              empty={
                <Empty title={query ? `No organization matches “${query}”.` : 'No organizations yet.'}>
                  <p>Create one above, or with the SDK: workos.organizations.createOrganization().</p>
                </Empty>
              }
            />
            {page.data.some(testProvider) ? (
              <p className="hint">
                <span className="badge">development test</span> {TEST_ORG_HELP} See docs/sso.md, “Try it in
                development”.
              </p>
            ) : null}
            {controls(page)}
          </>
        )}
      </LoadState>
    </section>
  );
}

function OrganizationDetail({ id }: { id: string }) {
  const org = useLoad(() => dash.get<Organization>(`/organizations/${id}`), [id]);
  return (
    <section>
      <p>
        <a href="#/organizations">← Organizations</a>
      </p>
      <LoadState loaded={org} what="the organization">
        {(o) => <OrganizationBody org={o} reload={org.reload} />}
      </LoadState>
    </section>
  );
}

function OrganizationBody({ org, reload }: { org: Organization; reload: () => void }) {
  const [name, setName] = useState(org.name);
  const [saved, setSaved] = useState(false);
  const rename = useAction(async () => {
    await dash.put(`/organizations/${org.id}`, { name });
    setSaved(true);
    reload();
  });
  const verify = useAction(async (id: string) => {
    await dash.post(`/organization_domains/${id}/verify`);
    reload();
  });
  const [domain, setDomain] = useState('');
  const addDomain = useAction(async () => {
    await dash.post('/organization_domains', {
      organization_id: org.id,
      domain: domain.trim().toLowerCase(),
    });
    setDomain('');
    reload();
  });
  return (
    <>
      <PageHeader title={org.name}>
        <ConfirmButton
          label="Delete organization"
          question={`Delete ${org.name}, its domains and memberships?`}
          action={async () => {
            await dash.del(`/organizations/${org.id}`);
            window.location.hash = '/organizations';
          }}
        />
      </PageHeader>
      {testProvider(org) ? (
        <Notice kind="info">
          <strong>A development test organization.</strong> {TEST_ORG_HELP} Its connection signs in through
          the built-in {testProvider(org)}: try it with <code>getAuthorizationUrl</code> and this
          organization&apos;s id, or with “Test sign-in” on its connection.
        </Notice>
      ) : null}
      <div className="panel">
        <CopyValue label="Organization id" value={org.id} />
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            setSaved(false);
            void rename.run();
          }}
        >
          <Field label="Name" name="name" value={name} onChange={setName} required />
          <Button type="submit" kind="secondary" busy={rename.busy}>
            Rename
          </Button>
        </form>
        <ErrorNotice error={rename.error} />
        {saved ? <Notice kind="success">Saved.</Notice> : null}
      </div>
      <OrgMfaPolicy orgId={org.id} />

      <div className="panel">
        <h2>Domains</h2>
        <Table
          caption="Domains"
          head={['Domain', 'State', 'Verification', '']}
          rows={org.domains.map((d) => [
            d.domain,
            <Badge key="s" ok={d.state === 'verified' ? true : d.state === 'failed' ? false : null}>
              {d.state}
            </Badge>,
            d.verification_strategy === 'dns' && d.state !== 'verified' && d.verification_token ? (
              <div key="v" className="dns-record">
                <p className="hint">
                  TXT record <code>{`${d.verification_prefix ?? '_portico-verification'}.${d.domain}`}</code>{' '}
                  with the value <code>{d.verification_token}</code>, then:
                </p>
                <Button kind="secondary" onClick={() => void verify.run(d.id)} busy={verify.busy}>
                  Verify
                </Button>
              </div>
            ) : (
              d.verification_strategy
            ),
            <ConfirmButton
              key="x"
              label="Remove"
              question={`Remove ${d.domain}?`}
              action={async () => {
                await dash.del(`/organization_domains/${d.id}`);
                reload();
              }}
            />,
          ])}
          empty={<Empty title="No domains.">Add the email domains this organization owns.</Empty>}
        />
        <ErrorNotice error={verify.error} title="The domain could not be verified." />
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void addDomain.run();
          }}
        >
          <Field
            label="Add a domain"
            name="domain"
            value={domain}
            onChange={setDomain}
            placeholder="example.com"
          />
          <Button type="submit" kind="secondary" busy={addDomain.busy}>
            Add domain
          </Button>
        </form>
        <ErrorNotice error={addDomain.error} />
      </div>

      <Members orgId={org.id} />
      <OrgConnections orgId={org.id} />
    </>
  );
}

/** `/_admin/organizations/{id}/mfa_policy`: this organization's members need a second factor (docs/mfa.md). */
function OrgMfaPolicy({ orgId }: { orgId: string }) {
  return (
    <MfaPolicyPanel
      path={`/_admin/organizations/${orgId}/mfa_policy`}
      id="org-mfa-policy"
      required="Required: members signing in for this organization (but through SSO) need a second factor; those without one set it up first."
      notRequired="Not required by this organization (the environment’s policy, under Emails, still applies)."
      requireLabel="Require MFA for members"
      stopLabel="Stop requiring MFA for members"
    />
  );
}

function Members({ orgId }: { orgId: string }) {
  const members = useLoad(
    () =>
      dash.get<List<Membership>>(
        `/user_management/organization_memberships${qs({ organization_id: orgId, limit: 100 })}`,
      ),
    [orgId],
  );
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('member');
  const add = useAction(async () => {
    const found = await dash.get<List<User>>(
      `/user_management/users${qs({ email: email.trim().toLowerCase() })}`,
    );
    const user = found.data[0];
    if (!user) {
      throw new ApiError(
        404,
        'user_not_found',
        `No user has the email ${email}. Create the user on the Users page first.`,
      );
    }
    await dash.post('/user_management/organization_memberships', {
      organization_id: orgId,
      user_id: user.id,
      role_slug: role,
    });
    setEmail('');
    members.reload();
  });
  return (
    <div className="panel">
      <h2>Members</h2>
      <LoadState loaded={members} what="members">
        {(page) => (
          <Table
            caption="Members"
            head={['User', 'Role', 'Status', '']}
            rows={page.data.map((m) => [
              <a key="u" href={`#/users/${m.user_id}`}>
                {userName(m.user)}
              </a>,
              <RoleSelect key="r" membership={m} onChanged={members.reload} />,
              <Badge key="s" ok={m.status === 'active' ? true : m.status === 'inactive' ? false : null}>
                {m.status}
              </Badge>,
              <ConfirmButton
                key="x"
                label="Remove"
                question={`Remove ${m.user.email} from this organization?`}
                action={async () => {
                  await dash.del(`/user_management/organization_memberships/${m.id}`);
                  members.reload();
                }}
              />,
            ])}
            empty={<Empty title="No members yet.">Add an existing user by email below.</Empty>}
          />
        )}
      </LoadState>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void add.run();
        }}
      >
        <Field
          label="User email"
          name="member-email"
          type="email"
          value={email}
          onChange={setEmail}
          required
        />
        <Select label="Role" name="member-role" value={role} onChange={setRole} options={ROLE_OPTIONS} />
        <Button type="submit" kind="secondary" busy={add.busy}>
          Add member
        </Button>
      </form>
      <ErrorNotice error={add.error} />
    </div>
  );
}

/** Changes a membership's role in place (PUT …/organization_memberships/:id). */
export function RoleSelect({ membership, onChanged }: { membership: Membership; onChanged: () => void }) {
  const change = useAction(async (slug: string) => {
    await dash.put(`/user_management/organization_memberships/${membership.id}`, { role_slug: slug });
    onChanged();
  });
  return (
    <>
      <label className="visually-hidden" htmlFor={`role-${membership.id}`}>
        Role of {membership.user?.email ?? membership.user_id} in {membership.organization_name}
      </label>
      <select
        id={`role-${membership.id}`}
        className="inline-select"
        value={membership.role.slug}
        disabled={change.busy}
        onChange={(e) => void change.run(e.target.value)}
      >
        {ROLE_OPTIONS.concat(
          ROLE_OPTIONS.some((o) => o.value === membership.role.slug)
            ? []
            : [{ value: membership.role.slug, label: membership.role.slug }],
        ).map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <ErrorNotice error={change.error} />
    </>
  );
}

interface Conn {
  id: string;
  name: string;
  connection_type: string;
  state: string;
}
interface Dir {
  id: string;
  name: string;
  type: string;
  state: string;
}

function OrgConnections({ orgId }: { orgId: string }) {
  const conns = useLoad(
    () => dash.get<List<Conn>>(`/connections${qs({ organization_id: orgId, limit: 100 })}`),
    [orgId],
  );
  const dirs = useLoad(
    () => dash.get<List<Dir>>(`/directories${qs({ organization_id: orgId, limit: 100 })}`),
    [orgId],
  );
  return (
    <div className="panel">
      <h2>SSO connections</h2>
      <LoadState loaded={conns} what="connections">
        {(page) => (
          <Table
            caption="SSO connections"
            head={['Name', 'Type', 'State']}
            rows={page.data.map((c) => [
              <a key="n" href={`#/connections/${c.id}`}>
                {c.name}
              </a>,
              c.connection_type,
              <Badge key="s" ok={c.state === 'active' ? true : null}>
                {c.state}
              </Badge>,
            ])}
            empty={
              <Empty title="No SSO connection.">
                <a href="#/connections">Set one up on the Connections page</a>.
              </Empty>
            }
          />
        )}
      </LoadState>
      <h2>Directories</h2>
      <LoadState loaded={dirs} what="directories">
        {(page) => (
          <Table
            caption="Directories"
            head={['Name', 'Type', 'State']}
            rows={page.data.map((d) => [
              <a key="n" href={`#/directories/${d.id}`}>
                {d.name}
              </a>,
              d.type,
              <Badge key="s" ok={d.state === 'active' || d.state === 'linked' ? true : null}>
                {d.state}
              </Badge>,
            ])}
            empty={
              <Empty title="No directory.">
                <a href="#/directories">Connect one on the Directories page</a>.
              </Empty>
            }
          />
        )}
      </LoadState>
    </div>
  );
}
