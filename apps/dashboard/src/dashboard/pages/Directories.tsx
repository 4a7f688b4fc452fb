/**
 * Directory Sync: directories by organization, creating one (its SCIM URL and bearer token are
 * shown once), and one directory's users, groups, SCIM request log and settings (deprovisioning,
 * group → role and attribute mappings, token rotation).
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
  Table,
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
  usePagedList,
} from '../kit.tsx';
import { OrgScopedList } from './OrgScopedList.tsx';
import './sso-dsync.css';

interface Directory {
  id: string;
  name: string;
  type: string;
  state: 'linked' | 'unlinked';
  organization_id: string;
  created_at: string;
}

interface Created extends Directory {
  scim: { base_url: string; bearer_token: string };
}

interface Settings {
  directory_id: string;
  scim_base_url: string;
  token_hint: string;
  deprovision: 'deactivate' | 'none';
  group_role_map: Record<string, string>;
  attribute_map: Record<string, string>;
}

interface DirectoryUser {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  username: string;
  state: 'active' | 'inactive';
  groups: { id: string; name: string }[];
  custom_attributes: Record<string, unknown>;
  updated_at: string;
}

interface DirectoryGroup {
  id: string;
  name: string;
  idp_id: string;
  updated_at: string;
}

interface ScimRequest {
  id: string;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  request_body: unknown;
  error: string | null;
  user_agent: string | null;
  created_at: string;
}

const TYPES = [
  ['okta scim v2.0', 'Okta'],
  ['azure scim v2.0', 'Microsoft Entra ID'],
  ['gsuite directory', 'Google Workspace'],
  ['onelogin scim v2.0', 'OneLogin'],
  ['jump cloud scim v2.0', 'JumpCloud'],
  ['pingfederate scim v2.0', 'PingFederate'],
  ['rippling scim v2.0', 'Rippling'],
  ['generic scim v2.0', 'Other SCIM 2.0 client'],
] as const;

export function DirectoriesPage({ route }: { route: string }) {
  const [path = '', query = ''] = route.split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(query);
  if (parts[1] === 'new') return <NewDirectory organization={params.get('organization_id') ?? ''} />;
  if (parts[1]) return <DirectoryDetail id={parts[1]} tab={parts[2] ?? 'users'} />;
  return <DirectoryList organizationFilter={params.get('organization_id') ?? ''} />;
}

function DirectoryList({ organizationFilter }: { organizationFilter: string }) {
  return (
    <OrgScopedList<Directory>
      title="Directories"
      newHref="#/directories/new"
      newLabel="New directory"
      intro="Directory Sync: the customer's IdP provisions users and groups over SCIM 2.0, and deprovisions them when they leave."
      endpoint="/directories"
      organization={organizationFilter}
      head={['Name', 'Type', 'Organization', 'State', 'Created']}
      row={(d, orgName) => [
        <a key="n" href={`#/directories/${d.id}`}>
          {d.name}
        </a>,
        d.type,
        orgName(d.organization_id),
        <Badge key="s" ok={d.state === 'linked'}>
          {d.state}
        </Badge>,
        formatDate(d.created_at),
      ]}
      empty={
        <Empty title="No directories yet">
          <p>Create one to get a SCIM URL and token for the customer&apos;s IdP.</p>
        </Empty>
      }
      intent="dsync"
    />
  );
}

function NewDirectory({ organization }: { organization: string }) {
  const orgs = useOrganizations();
  const [org, setOrg] = useState(organization);
  const [name, setName] = useState('');
  const [type, setType] = useState('okta scim v2.0');
  const [deprovision, setDeprovision] = useState('deactivate');
  const [created, setCreated] = useState<Created | null>(null);
  const create = useAction(async () => {
    setCreated(
      await dash.post<Created>('/directories', {
        organization_id: org,
        name,
        type,
        deprovision,
      }),
    );
  });
  if (created) {
    return (
      <section className="narrow">
        <PageHeader title={`${created.name} is ready`} />
        <div className="panel">
          <Notice kind="warning">
            Copy the token now: it is shown only this once. If it is lost, generate a new one from the
            directory&apos;s settings.
          </Notice>
          <CopyValue label="SCIM base URL" value={created.scim.base_url} />
          <CopyValue label="Bearer token" value={created.scim.bearer_token} secret />
          <p>
            Paste both into the IdP&apos;s SCIM provisioning settings, then assign users and push groups. They
            appear on the directory&apos;s page as the IdP sends them.
          </p>
          <a className="btn btn-primary" href={`#/directories/${created.id}`}>
            Go to the directory
          </a>
        </div>
      </section>
    );
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };
  return (
    <section className="narrow">
      <PageHeader title="New directory" />
      <form className="panel" onSubmit={submit} noValidate>
        <OrganizationSelect
          orgs={orgs}
          value={org}
          onChange={setOrg}
          emptyLabel="Choose an organization"
          name="organization_id"
        />
        {fieldError(create.error, 'organization_id') ? (
          <p className="field-error">{fieldError(create.error, 'organization_id')}</p>
        ) : null}
        <Field
          label="Name"
          name="name"
          value={name}
          onChange={setName}
          required
          placeholder="Acme Okta"
          error={fieldError(create.error, 'name')}
        />
        <Select
          label="Identity provider"
          name="type"
          value={type}
          onChange={setType}
          options={TYPES.map(([value, label]) => ({ value, label }))}
        />
        <Select
          label="When the IdP deactivates or deletes a user"
          name="deprovision"
          value={deprovision}
          onChange={setDeprovision}
          options={[
            { value: 'deactivate', label: 'End their membership and sessions in Portico (recommended)' },
            { value: 'none', label: 'Only record it and send the event' },
          ]}
        />
        <ErrorNotice error={create.error} title="The directory was not created." />
        <div className="actions">
          <Button type="submit" busy={create.busy}>
            Create directory
          </Button>
          <a className="btn btn-secondary" href="#/directories">
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}

const TABS = [
  ['users', 'Users'],
  ['groups', 'Groups'],
  ['requests', 'SCIM request log'],
  ['settings', 'Settings'],
] as const;

function DirectoryDetail({ id, tab }: { id: string; tab: string }) {
  const dir = useLoad(() => dash.get<Directory>(`/directories/${id}`), [id]);
  return (
    <section>
      <p>
        <a href="#/directories">← Directories</a>
      </p>
      <LoadState loaded={dir} what="the directory">
        {(d) => (
          <>
            <PageHeader title={d.name}>
              <Badge ok={d.state === 'linked'}>{d.state}</Badge>
            </PageHeader>
            <p className="muted">
              {d.type} · <code>{d.id}</code> · organization{' '}
              <a href={`#/organizations/${d.organization_id}`}>{d.organization_id}</a>
            </p>
            <nav className="tabs" aria-label="Directory sections">
              {TABS.map(([key, label]) => (
                <a
                  key={key}
                  href={`#/directories/${id}/${key}`}
                  aria-current={tab === key ? 'page' : undefined}
                >
                  {label}
                </a>
              ))}
            </nav>
            {tab === 'groups' ? (
              <Groups id={id} />
            ) : tab === 'requests' ? (
              <Requests id={id} />
            ) : tab === 'settings' ? (
              <SettingsPanel d={d} />
            ) : (
              <Users id={id} />
            )}
          </>
        )}
      </LoadState>
    </section>
  );
}

function Users({ id }: { id: string }) {
  const { list: users, controls } = usePagedList<DirectoryUser>(`/directory_users?directory=${id}&limit=25`);
  return (
    <LoadState loaded={users} what="directory users">
      {(page) => (
        <>
          <div className="actions">
            <Button kind="secondary" onClick={users.reload}>
              Refresh
            </Button>
          </div>
          <Table
            caption="Directory users"
            head={['Email', 'Name', 'State', 'Groups', 'Custom attributes', 'Updated']}
            rows={page.data.map((u) => [
              u.email ?? u.username,
              [u.first_name, u.last_name].filter(Boolean).join(' ') || '—',
              <Badge key="s" ok={u.state === 'active'}>
                {u.state}
              </Badge>,
              u.groups.map((g) => g.name).join(', ') || '—',
              Object.keys(u.custom_attributes).length ? (
                <details key="c">
                  <summary>{Object.keys(u.custom_attributes).length} attributes</summary>
                  <Json value={u.custom_attributes} label={`Custom attributes of ${u.email ?? u.username}`} />
                </details>
              ) : (
                '—'
              ),
              formatDate(u.updated_at),
            ])}
            empty={
              <Empty title="No users yet">
                <p>
                  Users appear when the IdP provisions them. Nothing arriving? Check the SCIM request log for
                  refused requests.
                </p>
              </Empty>
            }
          />
          {controls(page)}
        </>
      )}
    </LoadState>
  );
}

function Groups({ id }: { id: string }) {
  const { list: groups, controls } = usePagedList<DirectoryGroup>(
    `/directory_groups?directory=${id}&limit=25`,
  );
  return (
    <LoadState loaded={groups} what="directory groups">
      {(page) => (
        <>
          <Table
            caption="Directory groups"
            head={['Name', 'IdP id', 'Updated']}
            rows={page.data.map((g) => [g.name, <code key="i">{g.idp_id}</code>, formatDate(g.updated_at)])}
            empty={
              <Empty title="No groups yet">
                <p>Groups appear when the IdP pushes them (in Okta: “Push Groups”).</p>
              </Empty>
            }
          />
          {controls(page)}
        </>
      )}
    </LoadState>
  );
}

function Requests({ id }: { id: string }) {
  const log = useLoad(
    () => dash.get<{ data: ScimRequest[] }>(`/directories/${id}/scim_requests?limit=100`),
    [id],
  );
  return (
    <LoadState loaded={log} what="the SCIM request log">
      {(l) => (
        <>
          <div className="actions">
            <Button kind="secondary" onClick={log.reload}>
              Refresh
            </Button>
          </div>
          <Table
            caption="SCIM requests"
            head={['When', 'Request', 'Status', 'Time', 'Error', 'Body']}
            rows={l.data.map((r) => [
              formatDate(r.created_at),
              <code key="r">
                {r.method} {r.path}
              </code>,
              <Badge key="s" ok={r.status < 400}>
                {r.status}
              </Badge>,
              `${r.duration_ms} ms`,
              r.error ?? '—',
              r.request_body ? (
                <details key="b">
                  <summary>Body</summary>
                  <Json value={r.request_body} label={`Body of ${r.method} ${r.path}`} />
                </details>
              ) : (
                '—'
              ),
            ])}
            empty={
              <Empty title="No SCIM requests yet">
                <p>Every request the IdP makes is logged here, with secrets redacted.</p>
              </Empty>
            }
          />
        </>
      )}
    </LoadState>
  );
}

function SettingsPanel({ d }: { d: Directory }) {
  const settings = useLoad(() => dash.get<Settings>(`/directories/${d.id}/settings`), [d.id]);
  return (
    <LoadState loaded={settings} what="the directory settings">
      {(s) => <SettingsForm d={d} s={s} reload={settings.reload} />}
    </LoadState>
  );
}

function SettingsForm({ d, s, reload }: { d: Directory; s: Settings; reload: () => void }) {
  const [deprovision, setDeprovision] = useState<string>(s.deprovision);
  const [roles, setRoles] = useState<[string, string][]>(Object.entries(s.group_role_map));
  const [attrs, setAttrs] = useState<[string, string][]>(Object.entries(s.attribute_map));
  const [saved, setSaved] = useState(false);
  const [token, setToken] = useState<string | null>(null);
  const save = useAction(async () => {
    setSaved(false);
    await dash.put(`/directories/${d.id}/settings`, {
      deprovision,
      group_role_map: Object.fromEntries(roles.filter(([k]) => k.trim())),
      attribute_map: Object.fromEntries(attrs.filter(([k]) => k.trim())),
    });
    setSaved(true);
    reload();
  });
  const rotate = useAction(async () => {
    const r = await dash.post<Created>(`/directories/${d.id}/token`);
    setToken(r.scim.bearer_token);
  });
  return (
    <>
      <div className="panel">
        <h2>SCIM endpoint</h2>
        <CopyValue label="SCIM base URL" value={s.scim_base_url} />
        {token ? (
          <>
            <Notice kind="warning">
              The new token is shown only this once. The old one no longer works.
            </Notice>
            <CopyValue label="New bearer token" value={token} secret />
          </>
        ) : (
          <p>
            Bearer token: <code>{s.token_hint}</code> (only its ends are kept for display).
          </p>
        )}
        <ConfirmButton
          kind="secondary"
          label="Generate a new token"
          question="Generate a new token? The IdP stops syncing until you paste the new one."
          confirmLabel="Yes, generate"
          action={() => rotate.run()}
        />
        <ErrorNotice error={rotate.error} />
      </div>
      <form
        className="panel"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <h2>Settings</h2>
        <Select
          label="When the IdP deactivates or deletes a user"
          name="deprovision"
          value={deprovision}
          onChange={setDeprovision}
          options={[
            { value: 'deactivate', label: 'End their membership and sessions in Portico' },
            { value: 'none', label: 'Only record it and send the event' },
          ]}
        />
        <MapEditor
          legend="Group → role"
          keyLabel="Directory group name"
          valueLabel="Role slug"
          value={roles}
          onChange={setRoles}
          errorFor={(k) => fieldError(save.error, `group_role_map.${k}`)}
        />
        <MapEditor
          legend="Custom attributes"
          keyLabel="Name in custom_attributes"
          valueLabel="SCIM attribute path"
          value={attrs}
          onChange={setAttrs}
          errorFor={(k) => fieldError(save.error, `attribute_map.${k}`)}
        />
        <p className="hint">
          Paths like <code>title</code>, <code>name.givenName</code>,{' '}
          <code>emails[type eq &quot;work&quot;].value</code> or{' '}
          <code>urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department</code>.
        </p>
        <ErrorNotice error={save.error} title="The settings were not saved." />
        {saved ? (
          <Notice kind="success">Saved. Users are read with the new mapping from now on.</Notice>
        ) : null}
        <Button type="submit" busy={save.busy}>
          Save settings
        </Button>
      </form>
      <div className="panel">
        <h2>Delete</h2>
        <ConfirmButton
          label="Delete directory"
          question={`Delete ${d.name}? Its users and groups are removed and the IdP can no longer sync.`}
          action={async () => {
            await dash.del(`/directories/${d.id}`);
            window.location.hash = '/directories';
          }}
        />
      </div>
    </>
  );
}
