/**
 * Redirect URIs (`/_admin/redirect_uris`, dashboard session only): the allow-list AuthKit and SSO
 * check `redirect_uri` against. Adding runs the server's validation (https, or http on localhost;
 * no #fragment) and shows its reason.
 */
import { useState } from 'react';
import { Button, Empty, ErrorNotice, Field, LoadState, Table, useAction, useLoad } from '../../shared/ui.tsx';
import { dash } from '../client.ts';
import { ConfirmButton, fieldError, PageHeader } from '../kit.tsx';

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
    </section>
  );
}
