/**
 * Active AuthKit sessions of the environment (`GET /_admin/sessions`, with each user's email),
 * revoked through the WorkOS API (`POST /user_management/sessions/revoke`).
 */
import { useState } from 'react';
import { qs } from '../../shared/api.ts';
import { Button, Empty, formatDate, LoadState, Table, useLoad } from '../../shared/ui.tsx';
import { dash } from '../client.ts';
import { ConfirmButton, PageHeader } from '../kit.tsx';

interface ActiveSession {
  id: string;
  user_id: string;
  email: string;
  organization_id: string | null;
  authentication_method: string;
  impersonator_email: string | null;
  ip_address: string | null;
  user_agent: string | null;
  created_at: string;
  expires_at: string;
}

export function SessionsPage() {
  const [stack, setStack] = useState<string[]>([]);
  const after = stack[stack.length - 1];
  const list = useLoad(
    () =>
      dash.get<{ data: ActiveSession[]; list_metadata: { after: string | null } }>(
        `/_admin/sessions${qs({ limit: 50, after })}`,
      ),
    [after],
  );
  return (
    <section>
      <PageHeader title="Sessions">
        <Button kind="secondary" onClick={list.reload}>
          Refresh
        </Button>
      </PageHeader>
      <p className="muted">
        Users signed in through AuthKit right now. Revoking ends the session and its refresh token.
      </p>
      <LoadState loaded={list} what="sessions">
        {(page) => (
          <>
            <Table
              caption="Active sessions"
              head={['User', 'Method', 'Organization', 'IP address', 'Started', 'Expires', '']}
              rows={page.data.map((s) => [
                <a key="u" href={`#/users/${s.user_id}`}>
                  {s.email}
                </a>,
                s.impersonator_email ? (
                  <span key="m" className="impersonated">
                    {s.authentication_method} (impersonated by {s.impersonator_email})
                  </span>
                ) : (
                  s.authentication_method
                ),
                s.organization_id ? (
                  <a key="o" href={`#/organizations/${s.organization_id}`}>
                    <code>{s.organization_id}</code>
                  </a>
                ) : (
                  '—'
                ),
                s.ip_address ?? '—',
                formatDate(s.created_at),
                formatDate(s.expires_at),
                <ConfirmButton
                  key="x"
                  label="Revoke"
                  question={`End ${s.email}'s session?`}
                  action={async () => {
                    await dash.post('/user_management/sessions/revoke', { session_id: s.id });
                    list.reload();
                  }}
                />,
              ])}
              empty={
                <Empty title="No active sessions.">Sessions appear when users sign in through AuthKit.</Empty>
              }
            />
            {stack.length || page.list_metadata.after ? (
              <nav className="pager" aria-label="Pages">
                <Button
                  kind="secondary"
                  disabled={!stack.length}
                  onClick={() => setStack((s) => s.slice(0, -1))}
                >
                  Previous page
                </Button>
                <Button
                  kind="secondary"
                  disabled={!page.list_metadata.after}
                  onClick={() => {
                    const next = page.list_metadata.after;
                    if (next) setStack((s) => [...s, next]);
                  }}
                >
                  Next page
                </Button>
              </nav>
            ) : null}
          </>
        )}
      </LoadState>
    </section>
  );
}
