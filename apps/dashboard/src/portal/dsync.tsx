/**
 * Directory Sync set-up: pick the identity provider, follow its steps with the SCIM base URL and
 * the bearer token to copy (the token is shown once: a reload shows only its hint, and "Generate
 * a new token" replaces it), then watch the first users and groups arrive (polled every 2.5 s).
 */
import { useEffect, useState } from 'react';
import { api } from '../shared/api.ts';
import {
  Button,
  CopyValue,
  Empty,
  ErrorNotice,
  LoadState,
  Notice,
  Steps,
  Table,
  toApiError,
  useAction,
  useLoad,
} from '../shared/ui.tsx';
import { BackLink, DoneButton } from './App.tsx';
import { DIRECTORY_GUIDES } from './guides.tsx';
import { type Directory, type DirectoryUser, idpOf, type PortalSession } from './session.ts';

interface Props {
  session: PortalSession;
  route: string;
  go: (to: string) => void;
}

const POLL_MS = 2500;

export function Directories({ session, route, go }: Props) {
  // A token revealed by create/rotate lives only in memory: a reload does not show it again.
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  const reveal = (d: Directory) => d.bearer_token && setRevealed((r) => ({ ...r, [d.id]: d.bearer_token! }));
  const m = /^\/dsync\/(directory_[A-Za-z0-9]+)$/.exec(route);
  if (m) return <DirectoryPage session={session} id={m[1]!} token={revealed[m[1]!]} onToken={reveal} />;
  if (route === '/dsync/new') return <Chooser session={session} go={go} onToken={reveal} />;
  return <Overview session={session} go={go} onToken={reveal} />;
}

function Overview({ session, go, onToken }: Omit<Props, 'route'> & { onToken: (d: Directory) => void }) {
  const list = useLoad(() => api.get<{ data: Directory[] }>('/portal/api/directories'));
  return (
    <LoadState loaded={list} what="your directories">
      {({ data }) =>
        data.length === 0 ? (
          <Chooser session={session} go={go} onToken={onToken} />
        ) : (
          <section className="panel" aria-labelledby="dirs">
            <h2 id="dirs">Your directories</h2>
            <ul className="plain-list">
              {data.map((d) => (
                <li key={d.id} className="list-row">
                  <b>{d.name}</b>
                  <a href={`#/dsync/${d.id}`}>Open</a>
                </li>
              ))}
            </ul>
            <div className="actions">
              <Button kind="secondary" onClick={() => go('/dsync/new')}>
                Add another directory
              </Button>
              <DoneButton session={session} />
            </div>
          </section>
        )
      }
    </LoadState>
  );
}

function Chooser({ session, go, onToken }: Omit<Props, 'route'> & { onToken: (d: Directory) => void }) {
  const [choice, setChoice] = useState(session.directory_idps[0]!.id);
  const create = useAction(async () => {
    const d = await api.post<Directory>('/portal/api/directories', { idp: choice });
    onToken(d);
    go(`/dsync/${d.id}`);
  });
  return (
    <section className="panel" aria-labelledby="pick">
      <Steps steps={['Choose your identity provider', 'Connect', 'See your people arrive']} current={0} />
      <h2 id="pick">Which identity provider holds your company’s users?</h2>
      <p className="muted">
        It will keep {session.organization.name}’s list of people and groups up to date: new people get
        access, people who leave lose it.
      </p>
      <fieldset className="choices-fieldset">
        <legend className="visually-hidden">Identity provider</legend>
        <div className="choices">
          {session.directory_idps.map((i) => (
            <button
              key={i.id}
              type="button"
              className="choice"
              aria-pressed={choice === i.id}
              onClick={() => setChoice(i.id)}
            >
              <b>{i.label}</b>
            </button>
          ))}
        </div>
      </fieldset>
      <ErrorNotice error={create.error} />
      <div className="actions">
        <Button onClick={() => create.run()} busy={create.busy}>
          Continue with {session.directory_idps.find((i) => i.id === choice)?.label}
        </Button>
      </div>
      <BackLink session={session} />
    </section>
  );
}

function DirectoryPage(props: {
  session: PortalSession;
  id: string;
  token?: string;
  onToken: (d: Directory) => void;
}) {
  const { session, id, token } = props;
  const dir = useLoad(async () => {
    const { data } = await api.get<{ data: Directory[] }>('/portal/api/directories');
    const d = data.find((x) => x.id === id);
    if (!d) throw new Error('This directory does not exist (or belongs to another organization).');
    return d;
  }, [id]);
  const rotate = useAction(async () => {
    if (!window.confirm('The current token stops working at once. Generate a new token?')) return;
    props.onToken(await api.post<Directory>(`/portal/api/directories/${id}/token`, {}));
  });
  return (
    <LoadState loaded={dir} what="the directory">
      {(d) => {
        const guide = DIRECTORY_GUIDES[idpOf(session.directory_idps, d.type)] ?? DIRECTORY_GUIDES.generic!;
        return (
          <>
            <Steps
              steps={['Choose your identity provider', 'Connect', 'See your people arrive']}
              current={1}
            />
            <section className="panel guide" aria-labelledby="connect">
              <h2 id="connect">Connect {guide.title}</h2>
              <ol>
                {guide.steps.map((s, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the steps are a fixed list
                  <li key={i}>{s}</li>
                ))}
              </ol>
              <h3>Values to copy into {guide.title}</h3>
              <CopyValue label="SCIM base URL" value={d.scim_base_url} />
              {token ? (
                <>
                  <CopyValue label="Bearer token" value={token} secret />
                  <Notice kind="warning">
                    Copy the token now: it is shown only once. If you lose it, generate a new one.
                  </Notice>
                </>
              ) : (
                <p>
                  Bearer token: <code>{d.token_hint}</code>{' '}
                  <span className="muted">
                    (shown only when it is made; generate a new one if you need it)
                  </span>
                </p>
              )}
              <ErrorNotice error={rotate.error} />
              <div className="actions">
                <Button kind="secondary" onClick={() => rotate.run()} busy={rotate.busy}>
                  Generate a new token
                </Button>
              </div>
            </section>
            <Arrivals session={session} id={id} />
          </>
        );
      }}
    </LoadState>
  );
}

function Arrivals({ session, id }: { session: PortalSession; id: string }) {
  const [users, setUsers] = useState<DirectoryUser[] | null>(null);
  const [groups, setGroups] = useState<{ id: string; name: string }[] | null>(null);
  const [error, setError] = useState<ReturnType<typeof toApiError>>();
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const [u, g] = await Promise.all([
          api.get<{ data: DirectoryUser[] }>(`/portal/api/directories/${id}/users?limit=100`),
          api.get<{ data: { id: string; name: string }[] }>(`/portal/api/directories/${id}/groups?limit=100`),
        ]);
        if (!live) return;
        setUsers(u.data);
        setGroups(g.data);
        setError(undefined);
      } catch (e) {
        if (live) setError(toApiError(e));
      }
      if (live) timer = setTimeout(poll, POLL_MS);
    };
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id]);
  return (
    <section className="panel" aria-labelledby="arrivals">
      <h2 id="arrivals">People and groups</h2>
      <p className="muted" aria-live="polite">
        {users === null
          ? 'Loading…'
          : `${users.length} ${users.length === 1 ? 'person' : 'people'} and ${groups?.length ?? 0} ${
              groups?.length === 1 ? 'group' : 'groups'
            } so far. This list updates by itself.`}
      </p>
      <ErrorNotice error={error} title="The list could not be refreshed." />
      {users !== null && users.length === 0 ? (
        <Empty title="Nobody has arrived yet.">
          <p>
            Finish the steps above in your identity provider and assign people: they appear here within
            seconds.
          </p>
        </Empty>
      ) : null}
      {users?.length ? (
        <Table
          caption="Provisioned people"
          head={['Name', 'Email', 'Status', 'Groups']}
          rows={users.map((u) => [
            [u.first_name, u.last_name].filter(Boolean).join(' ') || '—',
            u.email ?? '—',
            u.state === 'active' ? 'Active' : 'Deactivated',
            u.groups.join(', ') || '—',
          ])}
        />
      ) : null}
      {groups?.length ? (
        <>
          <h3>Groups</h3>
          <ul className="plain-list group-list">
            {groups.map((g) => (
              <li key={g.id}>{g.name}</li>
            ))}
          </ul>
        </>
      ) : null}
      {users?.length ? (
        <div className="actions">
          <DoneButton session={session} />
        </div>
      ) : null}
    </section>
  );
}
