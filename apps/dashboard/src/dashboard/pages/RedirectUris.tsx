/**
 * Redirect URIs (`/_admin/redirect_uris`, dashboard session only): the allow-list AuthKit and SSO
 * check `redirect_uri` against. Adding runs the server's validation (https, or http on localhost;
 * no #fragment) and shows its reason. Below it, the default logout URI
 * (`/_admin/default_logout_uri`): where sign-out goes when the application passes no `return_to`.
 */
import { useState } from 'react';
import { Button, Empty, ErrorNotice, Field, LoadState, Table, useAction, useLoad } from '../../shared/ui.tsx';
import { dash } from '../client.ts';
import { ConfirmButton, fieldError, PageHeader } from '../kit.tsx';

/** Where `GET /user_management/sessions/logout` goes without `return_to` (WorkOS's default logout redirect). */
function DefaultLogoutUri() {
  const current = useLoad(
    () => dash.get<{ default_logout_uri: string | null }>('/_admin/default_logout_uri'),
    [],
  );
  const [uri, setUri] = useState('');
  const save = useAction(async (value: string | null) => {
    await dash.put('/_admin/default_logout_uri', { default_logout_uri: value });
    setUri('');
    current.reload();
  });
  return (
    <div className="panel" id="default-logout">
      <h2>Sign-out redirect</h2>
      <p className="muted">
        Where sign-out sends people when your application’s logout link has no <code>return_to</code>. It must
        be on the origin of one of the redirect URIs above. Without one, Portico shows a “You are signed out”
        page.
      </p>
      <LoadState loaded={current} what="the sign-out redirect">
        {(d) => (
          <p>
            Now:{' '}
            {d.default_logout_uri ? (
              <>
                <code className="break" id="default-logout-current">
                  {d.default_logout_uri}
                </code>{' '}
                <Button kind="secondary" busy={save.busy} onClick={() => void save.run(null)}>
                  Clear
                </Button>
              </>
            ) : (
              <span id="default-logout-current">the “You are signed out” page</span>
            )}
          </p>
        )}
      </LoadState>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run(uri.trim());
        }}
      >
        <Field
          label="Default logout URI"
          name="default_logout_uri"
          value={uri}
          onChange={setUri}
          placeholder="https://app.example.com/signed-out"
          required
          error={fieldError(save.error, 'default_logout_uri')}
        />
        <Button type="submit" busy={save.busy}>
          Save
        </Button>
      </form>
      <ErrorNotice error={save.error} />
    </div>
  );
}

export function RedirectUrisPage() {
  const list = useLoad(() => dash.get<{ data: { uri: string }[] }>('/_admin/redirect_uris'), []);
  const [uri, setUri] = useState('');
  const add = useAction(async () => {
    await dash.post('/_admin/redirect_uris', { uri: uri.trim() });
    setUri('');
    list.reload();
  });
  return (
    <section>
      <PageHeader title="Redirect URIs" />
      <p className="muted">
        After sign-in, AuthKit and SSO send users back only to these URIs (exact match).
      </p>
      <div className="panel">
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void add.run();
          }}
        >
          <Field
            label="Redirect URI"
            name="uri"
            value={uri}
            onChange={setUri}
            placeholder="https://app.example.com/callback"
            hint="https://, or http:// for localhost only. No #fragment."
            required
            error={fieldError(add.error, 'uri')}
          />
          <Button type="submit" busy={add.busy}>
            Add URI
          </Button>
        </form>
        <ErrorNotice error={add.error} />
      </div>
      <LoadState loaded={list} what="redirect URIs">
        {(page) => (
          <Table
            caption="Redirect URIs"
            head={['URI', '']}
            rows={page.data.map((r) => [
              <code key="u" className="break">
                {r.uri}
              </code>,
              <ConfirmButton
                key="x"
                label="Remove"
                question={`Stop accepting ${r.uri}?`}
                action={async () => {
                  await dash.del(`/_admin/redirect_uris?uri=${encodeURIComponent(r.uri)}`);
                  list.reload();
                }}
              />,
            ])}
            empty={
              <Empty title="No redirect URIs yet.">
                <p>Add your app’s callback URL before its first sign-in.</p>
              </Empty>
            }
          />
        )}
      </LoadState>
      <DefaultLogoutUri />
    </section>
  );
}
