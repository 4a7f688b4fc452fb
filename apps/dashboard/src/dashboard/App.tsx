/**
 * The developer dashboard: signs in with a dashboard admin account (`/_admin/session`), keeps the
 * CSRF token the server hands out with the session, and then manages the environment through the
 * WorkOS API itself (same endpoints as the SDK, authenticated by the session cookie + CSRF
 * header) plus the few `/_admin/…` endpoints the WorkOS API has no equivalent for.
 * Routing is by URL hash: `#/organizations`, `#/users/user_…`, `#/webhooks/we_…`, …
 */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, setCsrf } from '../shared/api.ts';
import { Button, ErrorNotice, Field, Loading, toApiError, useAction, useHashRoute } from '../shared/ui.tsx';
import { AdminsPage } from './pages/Admins.tsx';
import { ApiKeysPage } from './pages/ApiKeys.tsx';
import { AuditLogsPage } from './pages/AuditLogs.tsx';
import { ConnectionsPage } from './pages/Connections.tsx';
import { DirectoriesPage } from './pages/Directories.tsx';
import { EmailsPage } from './pages/Emails.tsx';
import { EventsPage } from './pages/Events.tsx';
import { OrganizationsPage } from './pages/Organizations.tsx';
import { RedirectUrisPage } from './pages/RedirectUris.tsx';
import { RolesPage } from './pages/Roles.tsx';
import { SessionsPage } from './pages/Sessions.tsx';
import { SocialSignInPage } from './pages/SocialSignIn.tsx';
import { UsersPage } from './pages/Users.tsx';
import { WebhooksPage } from './pages/Webhooks.tsx';

export interface AdminSession {
  admin: { id: string; email: string };
  csrf_token: string;
  environment: { id: string; name: string; client_id: string };
}

type State =
  | { kind: 'loading' }
  | { kind: 'signed-out'; notice?: string }
  | { kind: 'in'; session: AdminSession };

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  useEffect(() => {
    api.get<AdminSession>('/_admin/session').then(
      (session) => {
        setCsrf(session.csrf_token);
        setState({ kind: 'in', session });
      },
      () => setState({ kind: 'signed-out' }),
    );
  }, []);
  // A request that finds the session gone (expired, signed out elsewhere) returns to sign-in.
  useEffect(() => {
    const on = () => {
      setCsrf(null);
      setState({ kind: 'signed-out', notice: 'Your dashboard session ended. Sign in again.' });
    };
    window.addEventListener('portico:signed-out', on);
    return () => window.removeEventListener('portico:signed-out', on);
  }, []);

  if (state.kind === 'loading') {
    return (
      <main className="center">
        <Loading what="the dashboard" />
      </main>
    );
  }
  if (state.kind === 'signed-out') {
    return (
      <SignIn
        notice={state.notice}
        onSignedIn={(session) => {
          setCsrf(session.csrf_token);
          setState({ kind: 'in', session });
        }}
      />
    );
  }
  return (
    <Shell
      session={state.session}
      onSignedOut={() => {
        setCsrf(null);
        setState({ kind: 'signed-out', notice: 'You signed out.' });
      }}
    />
  );
}

function SignIn({ onSignedIn, notice }: { onSignedIn: (s: AdminSession) => void; notice?: string }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const act = useAction(async () => {
    onSignedIn(await api.post<AdminSession>('/_admin/session', { email, password }));
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run();
  };
  return (
    <main className="center">
      <div className="panel">
        <h1>Sign in to Portico</h1>
        <p className="muted">
          Use the dashboard admin account printed on the console when Portico first started.
        </p>
        {notice ? <p className="notice notice-info">{notice}</p> : null}
        <ErrorNotice error={act.error} title="Sign-in failed." />
        <form onSubmit={submit} noValidate>
          <Field
            label="Email"
            name="email"
            type="email"
            value={email}
            onChange={setEmail}
            autoComplete="username"
            required
          />
          <Field
            label="Password"
            name="password"
            type="password"
            value={password}
            onChange={setPassword}
            autoComplete="current-password"
            required
          />
          <Button type="submit" busy={act.busy}>
            Sign in
          </Button>
        </form>
        <p className="hint">
          Lost the password? Run <code>npm run portico -- admin create --email &lt;email&gt;</code> on the
          server.
        </p>
      </div>
    </main>
  );
}

const NAV = [
  ['organizations', 'Organizations'],
  ['users', 'Users'],
  ['connections', 'Connections'],
  ['directories', 'Directories'],
  ['roles', 'Roles'],
  ['events', 'Events'],
  ['audit-logs', 'Audit logs'],
  ['webhooks', 'Webhooks'],
  ['emails', 'Emails'],
  ['api-keys', 'API keys'],
  ['redirect-uris', 'Redirect URIs'],
  ['social', 'Social sign-in'],
  ['sessions', 'Sessions'],
  ['admins', 'Admins'],
] as const;

function Shell({ session, onSignedOut }: { session: AdminSession; onSignedOut: () => void }) {
  const [route] = useHashRoute();
  const section = route.split('/')[1] || 'organizations';
  const mainRef = useRef<HTMLElement>(null);
  const signOut = useAction(async () => {
    try {
      await api.del('/_admin/session');
    } catch (e) {
      if (toApiError(e).status !== 401) throw e;
    }
    onSignedOut();
  });
  // Move focus to the page heading when the page changes (screen readers announce it).
  useEffect(() => {
    const h = mainRef.current?.querySelector<HTMLElement>('h1');
    if (route !== '/' && h) h.focus();
  }, [route]);
  return (
    <div className="layout">
      <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
        Skip to content
      </button>
      <aside className="sidebar">
        <div className="brand">
          Portico
          <span className="env">{session.environment.name}</span>
        </div>
        <nav aria-label="Dashboard">
          {NAV.map(([slug, label]) => (
            <a key={slug} href={`#/${slug}`} aria-current={section === slug ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <div className="sidebar-foot">
          <p className="who" title={session.admin.email}>
            {session.admin.email}
          </p>
          <p className="who mono" title="Client id">
            {session.environment.client_id}
          </p>
          <button type="button" className="btn btn-secondary btn-small" onClick={() => void signOut.run()}>
            Sign out
          </button>
          <ErrorNotice error={signOut.error} />
        </div>
      </aside>
      <main className="main" id="main" ref={mainRef} tabIndex={-1}>
        <Page section={section} route={route} me={session.admin.id} />
      </main>
    </div>
  );
}

function Page({ section, route, me }: { section: string; route: string; me: string }) {
  const rest = route.split('/').slice(2).join('/');
  switch (section) {
    case 'organizations':
      return <OrganizationsPage id={rest || undefined} />;
    case 'users':
      return <UsersPage id={rest || undefined} />;
    case 'connections':
      return <ConnectionsPage route={route} />;
    case 'directories':
      return <DirectoriesPage route={route} />;
    case 'events':
      return <EventsPage />;
    case 'audit-logs':
      return <AuditLogsPage />;
    case 'webhooks':
      return <WebhooksPage id={rest || undefined} />;
    case 'emails':
      return <EmailsPage />;
    case 'roles':
      return <RolesPage />;
    case 'api-keys':
      return <ApiKeysPage />;
    case 'redirect-uris':
      return <RedirectUrisPage />;
    case 'social':
      return <SocialSignInPage />;
    case 'sessions':
      return <SessionsPage />;
    case 'admins':
      return <AdminsPage me={me} />;
    default:
      return (
        <section>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            There is no dashboard page at <code>#{route}</code>.{' '}
            <a href="#/organizations">Go to organizations</a>.
          </p>
        </section>
      );
  }
}
