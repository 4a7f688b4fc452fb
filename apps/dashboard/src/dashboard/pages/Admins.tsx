/**
 * Dashboard admins (`/_admin/admins`, dashboard session only): who can sign in to this dashboard,
 * adding a colleague (a generated password is shown once, to hand over), and removing another
 * admin (their sessions end with the account). Nobody can remove themselves.
 */
import { useState } from 'react';
import {
  Button,
  CopyValue,
  ErrorNotice,
  Field,
  formatDate,
  LoadState,
  Notice,
  Table,
  useAction,
  useLoad,
} from '../../shared/ui.tsx';
import { dash } from '../client.ts';
import { Badge, ConfirmButton, fieldError, PageHeader } from '../kit.tsx';

interface Admin {
  id: string;
  email: string;
  created_at: string;
  last_sign_in_at: string | null;
}

export function AdminsPage({ me }: { me: string }) {
  const list = useLoad(() => dash.get<{ data: Admin[] }>('/_admin/admins'), []);
  const [email, setEmail] = useState('');
  const [added, setAdded] = useState<(Admin & { password: string }) | null>(null);
  const add = useAction(async () => {
    setAdded(await dash.post<Admin & { password: string }>('/_admin/admins', { email }));
    setEmail('');
    list.reload();
  });
  return (
    <section>
      <PageHeader title="Admins" />
      <p className="muted">
        People who can sign in to this dashboard. Each has their own password; a lost one is reset on the
        server with <code>npm run portico -- admin create --email &lt;email&gt;</code>.
      </p>
      <LoadState loaded={list} what="admins">
        {(l) => (
          <Table
            caption="Dashboard admins"
            head={['Email', 'Added', 'Last sign-in', '']}
            rows={l.data.map((a) => [
              <span key="e">
                {a.email} {a.id === me ? <Badge ok>you</Badge> : null}
              </span>,
              formatDate(a.created_at),
              a.last_sign_in_at ? formatDate(a.last_sign_in_at) : 'never',
              a.id === me ? (
                ''
              ) : (
                <ConfirmButton
                  key="x"
                  label="Remove"
                  question={`Remove ${a.email}? They are signed out at once.`}
                  action={async () => {
                    await dash.del(`/_admin/admins/${a.id}`);
                    list.reload();
                  }}
                />
              ),
            ])}
          />
        )}
      </LoadState>
      <form
        className="panel"
        onSubmit={(e) => {
          e.preventDefault();
          void add.run();
        }}
      >
        <h2>Add an admin</h2>
        <div className="row">
          <Field
            label="Email"
            name="email"
            type="email"
            value={email}
            onChange={setEmail}
            required
            error={fieldError(add.error, 'email')}
          />
          <Button type="submit" kind="secondary" busy={add.busy}>
            Add admin
          </Button>
        </div>
        <ErrorNotice error={add.error} title="The admin was not added." />
        {added ? (
          <>
            <Notice kind="warning">
              Give {added.email} this password now, over a channel you trust: it is shown only this once.
            </Notice>
            <CopyValue label="Password" value={added.password} secret />
          </>
        ) : null}
      </form>
    </section>
  );
}
