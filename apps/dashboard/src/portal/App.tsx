/**
 * The Admin Portal: a customer's IT admin arrives here from a one-time link (the server has set
 * the session cookie) and sets up one thing for their organization, step by step: single sign-on,
 * directory sync, domain verification or a certificate renewal. The session's intent decides the
 * pages; the hash route picks the step. When done, "Done" sends them back to the application.
 */
import { useEffect, useState } from 'react';
import { api, setCsrf } from '../shared/api.ts';
import { ErrorNotice, Loading, useHashRoute, useLoad } from '../shared/ui.tsx';
import { AuditLogs } from './audit-logs.tsx';
import { Certificates } from './certificates.tsx';
import { Domains } from './domains.tsx';
import { Directories } from './dsync.tsx';
import { LogStreams } from './log-streams.tsx';
import type { PortalSession } from './session.ts';
import { SsoSetup } from './sso.tsx';

const TITLES: Record<PortalSession['intent'], string> = {
  sso: 'Set up single sign-on',
  dsync: 'Set up directory sync',
  domain_verification: 'Verify your domain',
  certificate_renewal: 'Renew the SAML certificate',
  audit_logs: 'Audit logs',
  log_streams: 'Stream your audit logs',
};

export function App() {
  const session = useLoad(async () => {
    const s = await api.get<PortalSession>('/portal/api/session');
    setCsrf(s.csrf);
    return s;
  });
  const [route, go] = useHashRoute();
  const title = session.data ? TITLES[session.data.intent] : 'Admin Portal';
  useEffect(() => {
    document.title = session.data ? `${title} · ${session.data.organization.name}` : 'Admin Portal';
  }, [session.data, title]);

  if (session.error) {
    return (
      <main className="narrow portal-main" id="main">
        <h1>The Admin Portal cannot open</h1>
        <ErrorNotice error={session.error} title="Your portal session is not available." />
        <p>
          Go back to the application that sent you here and open the Admin Portal again: it makes a new link.
        </p>
      </main>
    );
  }
  if (!session.data) {
    return (
      <main className="narrow portal-main" id="main">
        <Loading what="the Admin Portal" />
      </main>
    );
  }
  const s = session.data;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="portal-header">
        <div className="narrow portal-header-row">
          <span className="portal-org">{s.organization.name}</span>
          {/* On every page: the way back to the application (the link's return_url). */}
          {s.return_url ? (
            <a id="portal-return" href={s.return_url} rel="noreferrer">
              ← Back to the application
            </a>
          ) : (
            <span className="muted">Admin Portal</span>
          )}
        </div>
      </header>
      <main className="narrow portal-main" id="main" tabIndex={-1}>
        <h1>{title}</h1>
        {s.intent === 'sso' ? <SsoSetup session={s} route={route} go={go} /> : null}
        {s.intent === 'dsync' ? <Directories session={s} route={route} go={go} /> : null}
        {s.intent === 'domain_verification' ? <Domains session={s} /> : null}
        {s.intent === 'certificate_renewal' ? <Certificates session={s} route={route} go={go} /> : null}
        {s.intent === 'audit_logs' ? <AuditLogs session={s} /> : null}
        {s.intent === 'log_streams' ? <LogStreams session={s} /> : null}
      </main>
    </>
  );
}

/** "Done": back to the application (success_url, else return_url). */
export function DoneButton({ session, label }: { session: PortalSession; label?: string }) {
  const target = session.success_url ?? session.return_url;
  const [leaving, setLeaving] = useState(false);
  if (!target) {
    return <p className="muted">All set. You can close this tab.</p>;
  }
  return (
    <a
      className="btn btn-primary"
      href={target}
      onClick={() => setLeaving(true)}
      aria-busy={leaving || undefined}
      rel="noreferrer"
    >
      {label ?? 'Done'}
    </a>
  );
}

/**
 * The way out of a page with nothing to do (no SAML connection to renew…): the application's
 * return_url, or, when the link has none, what to do instead.
 */
export function BackToApp({ session }: { session: PortalSession }) {
  if (!session.return_url) {
    return <p className="muted">Close this tab to go back to the application that sent you here.</p>;
  }
  return (
    <div className="actions">
      <a className="btn btn-primary back-to-app" href={session.return_url} rel="noreferrer">
        Back to the application
      </a>
    </div>
  );
}

/** A link back to the application without finishing (return_url). */
export function BackLink({ session }: { session: PortalSession }) {
  if (!session.return_url) return null;
  return (
    <p>
      <a href={session.return_url} rel="noreferrer">
        Back to the application
      </a>
    </p>
  );
}
