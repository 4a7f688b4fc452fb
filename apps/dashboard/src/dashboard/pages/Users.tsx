/**
 * Users: list and search by email, create (with a password, or without one for users who will
 * sign in by SSO, magic code or a password reset), and a detail page with organization
 * memberships (add, change role, remove), AuthKit sessions (revoke) and deletion. WorkOS API only:
 * `/user_management/users`, `…/organization_memberships`, `…/users/:id/sessions`,
 * `…/sessions/revoke`, `…/users/:id/identities` (linked social identities), Portico's
 * `…/users/:id/passkeys` (list, delete; WorkOS has no passkey endpoints), and impersonation
 * (`/_admin/users/:id/impersonate`, `/_admin/users/:id/impersonations`, docs/impersonation.md).
 */
import { useState } from 'react';
import { type List, qs } from '../../shared/api.ts';
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
import {
  dash,
  type Impersonation,
  impersonate,
  listImpersonations,
  type Membership,
  type User,
  userName,
} from '../client.ts';
import { Badge, ConfirmButton, fieldError, PageHeader, useOrganizations, usePagedList } from '../kit.tsx';
import { ROLE_OPTIONS, RoleSelect } from './Organizations.tsx';

export function UsersPage({ id }: { id?: string }) {
  return id ? <UserDetail id={id} /> : <UserList />;
}

function UserList() {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const { list, controls } = usePagedList<User>(
    `/user_management/users${qs({ limit: 20, email: query.toLowerCase() })}`,
  );
  const [form, setForm] = useState({ email: '', first_name: '', last_name: '', password: '' });
  const set = (k: keyof typeof form) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const [created, setCreated] = useState<User | null>(null);
  const create = useAction(async () => {
    const user = await dash.post<User>('/user_management/users', {
      email: form.email.trim(),
      first_name: form.first_name || undefined,
      last_name: form.last_name || undefined,
      password: form.password || undefined,
    });
    setCreated(user);
    setForm({ email: '', first_name: '', last_name: '', password: '' });
    list.reload();
  });
  return (
    <section>
      <PageHeader title="Users" />
      <div className="panel">
        <h2>Create a user</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setCreated(null);
            void create.run();
          }}
        >
          <div className="row top">
            <Field
              label="Email"
              name="email"
              type="email"
              value={form.email}
              onChange={set('email')}
              required
              error={fieldError(create.error, 'email')}
            />
            <Field
              label="First name"
              name="first_name"
              value={form.first_name}
              onChange={set('first_name')}
            />
            <Field label="Last name" name="last_name" value={form.last_name} onChange={set('last_name')} />
          </div>
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="new-password"
            value={form.password}
            onChange={set('password')}
            hint="Optional. Leave empty for users who sign in with SSO or reset their password first."
            error={fieldError(create.error, 'password')}
          />
          <Button type="submit" busy={create.busy}>
            Create user
          </Button>
        </form>
        <ErrorNotice error={create.error} />
        {created ? (
          <Notice kind="success">
            Created <a href={`#/users/${created.id}`}>{created.email}</a>.
          </Notice>
        ) : null}
      </div>
      <form
        className="row search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(search.trim());
        }}
      >
        <Field label="Find by exact email" name="search" type="email" value={search} onChange={setSearch} />
        <Button type="submit" kind="secondary">
          Search
        </Button>
      </form>
      <LoadState loaded={list} what="users">
        {(page) => (
          <>
            <Table
              caption="Users"
              head={['Email', 'Name', 'Verified', 'Created']}
              rows={page.data.map((u) => [
                <a key="e" href={`#/users/${u.id}`}>
                  {u.email}
                </a>,
                [u.first_name, u.last_name].filter(Boolean).join(' ') || '—',
                <Badge key="v" ok={u.email_verified}>
                  {u.email_verified ? 'verified' : 'not verified'}
                </Badge>,
                formatDate(u.created_at),
              ])}
              empty={<Empty title={query ? `No user has the email ${query}.` : 'No users yet.'} />}
            />
            {controls(page)}
          </>
        )}
      </LoadState>
    </section>
  );
}

function UserDetail({ id }: { id: string }) {
  const user = useLoad(() => dash.get<User>(`/user_management/users/${id}`), [id]);
  return (
    <section>
      <p>
        <a href="#/users">← Users</a>
      </p>
      <LoadState loaded={user} what="the user">
        {(u) => (
          <>
            <PageHeader title={userName(u)}>
              <ConfirmButton
                label="Delete user"
                question={`Delete ${u.email}, their memberships and sessions?`}
                action={async () => {
                  await dash.del(`/user_management/users/${u.id}`);
                  window.location.hash = '/users';
                }}
              />
            </PageHeader>
            <div className="panel">
              <CopyValue label="User id" value={u.id} />
              <p>
                <strong>Email:</strong> {u.email}{' '}
                <Badge ok={u.email_verified}>{u.email_verified ? 'verified' : 'not verified'}</Badge>
              </p>
              <p className="muted">Created {formatDate(u.created_at)}</p>
            </div>
            <UserImpersonation user={u} />
            <UserMemberships user={u} />
            <UserIdentities userId={u.id} />
            <UserPasskeys userId={u.id} />
            <UserSessions userId={u.id} />
          </>
        )}
      </LoadState>
    </section>
  );
}

function UserMemberships({ user }: { user: User }) {
  const members = useLoad(
    () =>
      dash.get<List<Membership>>(
        `/user_management/organization_memberships${qs({ user_id: user.id, limit: 100 })}`,
      ),
    [user.id],
  );
  const orgs = useOrganizations();
  const [orgId, setOrgId] = useState('');
  const [role, setRole] = useState('member');
  const add = useAction(async () => {
    const chosen = orgId || orgs.data?.data[0]?.id;
    await dash.post('/user_management/organization_memberships', {
      organization_id: chosen,
      user_id: user.id,
      role_slug: role,
    });
    members.reload();
  });
  return (
    <div className="panel">
      <h2>Organizations</h2>
      <LoadState loaded={members} what="memberships">
        {(page) => (
          <Table
            caption="Memberships"
            head={['Organization', 'Role', 'Status', '']}
            rows={page.data.map((m) => [
              <a key="o" href={`#/organizations/${m.organization_id}`}>
                {m.organization_name}
              </a>,
              <RoleSelect key="r" membership={m} onChanged={members.reload} />,
              <Badge key="s" ok={m.status === 'active' ? true : m.status === 'inactive' ? false : null}>
                {m.status}
              </Badge>,
              <ConfirmButton
                key="x"
                label="Remove"
                question={`Remove ${user.email} from ${m.organization_name}?`}
                action={async () => {
                  await dash.del(`/user_management/organization_memberships/${m.id}`);
                  members.reload();
                }}
              />,
            ])}
            empty={<Empty title="Not a member of any organization." />}
          />
        )}
      </LoadState>
      <LoadState loaded={orgs} what="organizations">
        {(page) =>
          page.data.length ? (
            <form
              className="row"
              aria-label="Add to an organization"
              onSubmit={(e) => {
                e.preventDefault();
                void add.run();
              }}
            >
              <Select
                label="Organization"
                name="organization"
                value={orgId || page.data[0]!.id}
                onChange={setOrgId}
                options={page.data.map((o) => ({ value: o.id, label: o.name }))}
              />
              <Select label="Role" name="role" value={role} onChange={setRole} options={ROLE_OPTIONS} />
              <Button type="submit" kind="secondary" busy={add.busy}>
                Add to organization
              </Button>
            </form>
          ) : (
            <p className="muted">
              <a href="#/organizations">Create an organization</a> to add this user to it.
            </p>
          )
        }
      </LoadState>
      <ErrorNotice error={add.error} />
    </div>
  );
}

/**
 * Impersonate: a required reason, optionally one of the user's organizations and a redirect URI;
 * the browser then goes to Portico's impersonation page (banner, Continue). Below, who
 * impersonated this user, when and why.
 */
function UserImpersonation({ user }: { user: User }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [orgId, setOrgId] = useState('');
  const [redirect, setRedirect] = useState('');
  const members = useLoad(
    () =>
      dash.get<List<Membership>>(
        `/user_management/organization_memberships${qs({ user_id: user.id, limit: 100, statuses: 'active' })}`,
      ),
    [user.id],
  );
  const redirects = useLoad(() => dash.get<{ data: { uri: string }[] }>('/_admin/redirect_uris'), []);
  const history = useLoad(() => listImpersonations(user.id), [user.id]);
  const start = useAction(async () => {
    const started = await impersonate(user.id, {
      reason: reason.trim(),
      organization_id: orgId || undefined,
      redirect_uri: redirect || undefined,
    });
    window.location.assign(started.url);
  });
  return (
    <div className="panel">
      <h2>Impersonation</h2>
      {open ? (
        <form
          aria-label="Impersonate this user"
          onSubmit={(e) => {
            e.preventDefault();
            void start.run();
          }}
        >
          <p className="muted">
            You will be signed in to the application as {user.email}, without their password or second factor.
            The session is short, marked as an impersonation, and recorded here with your reason.
          </p>
          <Field
            label="Reason"
            name="reason"
            value={reason}
            onChange={setReason}
            required
            multiline
            hint="Required, up to 500 characters. The user's application and the event log see it."
            error={fieldError(start.error, 'reason')}
          />
          <div className="row top">
            <Select
              label="Organization"
              name="organization"
              value={orgId}
              onChange={setOrgId}
              options={[
                { value: '', label: 'None' },
                ...(members.data?.data ?? []).map((m) => ({
                  value: m.organization_id,
                  label: m.organization_name,
                })),
              ]}
            />
            <Select
              label="Redirect URI"
              name="redirect_uri"
              value={redirect}
              onChange={setRedirect}
              options={[
                { value: '', label: 'The first allowed one' },
                ...(redirects.data?.data ?? []).map((r) => ({ value: r.uri, label: r.uri })),
              ]}
            />
          </div>
          <Button type="submit" busy={start.busy}>
            Start impersonation
          </Button>{' '}
          <Button kind="secondary" onClick={() => setOpen(false)}>
            Cancel
          </Button>
          <ErrorNotice error={start.error} />
        </form>
      ) : (
        <Button kind="secondary" onClick={() => setOpen(true)}>
          Impersonate
        </Button>
      )}
      <LoadState loaded={history} what="impersonations">
        {(page) => (
          <Table
            caption="Impersonations"
            head={['When', 'Who', 'Reason', 'Session']}
            rows={page.data.map((i: Impersonation) => [
              formatDate(i.created_at),
              `Impersonated by ${i.admin.email}`,
              <span key="r" className="impersonation-reason">
                because {i.reason}
              </span>,
              i.session_id ? <code key="s">{i.session_id}</code> : i.consumed_at ? '—' : 'not continued',
            ])}
            empty={<Empty title="Nobody has impersonated this user." />}
          />
        )}
      </LoadState>
    </div>
  );
}

interface Session {
  id: string;
  status: string;
  impersonator?: { email: string; reason: string | null };
  ip_address: string | null;
  user_agent: string | null;
  organization_id: string | null;
  created_at: string;
  expires_at: string;
}

interface Identity {
  idp_id: string;
  type: string;
  provider: string;
}

/** Linked social identities (`GET /user_management/users/:id/identities`, a bare array). */
function UserIdentities({ userId }: { userId: string }) {
  const identities = useLoad(
    () => dash.get<Identity[]>(`/user_management/users/${userId}/identities`),
    [userId],
  );
  return (
    <div className="panel">
      <h2>Linked identities</h2>
      <LoadState loaded={identities} what="linked identities">
        {(list) => (
          <Table
            caption="Linked identities"
            head={['Provider', 'Provider user id', 'Type']}
            rows={list.map((i) => [i.provider, i.idp_id, i.type])}
            empty={
              <Empty title="No linked identities.">
                A Google, Microsoft, GitHub, Apple, GitLab, LinkedIn or Slack account appears here once the
                user signs in with it.
              </Empty>
            }
          />
        )}
      </LoadState>
    </div>
  );
}

interface Passkey {
  id: string;
  name: string;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: boolean;
  sign_count: number;
  created_at: string;
  last_used_at: string | null;
}

function UserPasskeys({ userId }: { userId: string }) {
  const passkeys = useLoad(
    () => dash.get<List<Passkey>>(`/user_management/users/${userId}/passkeys`),
    [userId],
  );
  return (
    <div className="panel" id="user-passkeys">
      <h2>Passkeys</h2>
      <LoadState loaded={passkeys} what="passkeys">
        {(page) => (
          <Table
            caption="Passkeys"
            head={['Name', 'Kind', 'Added', 'Last used', 'Sign count', '']}
            rows={page.data.map((p) => [
              p.name,
              p.device_type === 'multiDevice' ? 'synced' : 'this device only',
              formatDate(p.created_at),
              p.last_used_at ? formatDate(p.last_used_at) : 'never',
              String(p.sign_count),
              <ConfirmButton
                key="x"
                label="Delete"
                question="Delete this passkey? The user can no longer sign in with it."
                action={async () => {
                  await dash.del(`/user_management/users/${userId}/passkeys/${p.id}`);
                  passkeys.reload();
                }}
              />,
            ])}
            empty={
              <Empty title="No passkeys.">
                A passkey appears here once the user adds one on the hosted pages (passkeys must be on for the
                environment).
              </Empty>
            }
          />
        )}
      </LoadState>
    </div>
  );
}

function UserSessions({ userId }: { userId: string }) {
  const sessions = useLoad(
    () => dash.get<List<Session>>(`/user_management/users/${userId}/sessions?limit=50`),
    [userId],
  );
  return (
    <div className="panel">
      <h2>Sessions</h2>
      <LoadState loaded={sessions} what="sessions">
        {(page) => (
          <Table
            caption="Sessions"
            head={['Started', 'Status', 'IP address', 'Expires', '']}
            rows={page.data.map((s) => [
              formatDate(s.created_at),
              <span key="s">
                <Badge ok={s.status === 'active' ? true : null}>{s.status}</Badge>
                {s.impersonator ? <> impersonated by {s.impersonator.email}</> : null}
              </span>,
              s.ip_address ?? '—',
              formatDate(s.expires_at),
              s.status === 'active' ? (
                <ConfirmButton
                  key="x"
                  label="Revoke"
                  question="End this session? The user must sign in again."
                  action={async () => {
                    await dash.post('/user_management/sessions/revoke', { session_id: s.id });
                    sessions.reload();
                  }}
                />
              ) : (
                ''
              ),
            ])}
            empty={
              <Empty title="No sessions.">Sessions appear when the user signs in through AuthKit.</Empty>
            }
          />
        )}
      </LoadState>
    </div>
  );
}
