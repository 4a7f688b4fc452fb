/**
 * API keys (`/_admin/api_keys`, dashboard session only): list with obfuscated values, create (the
 * value is shown once), revoke (the key stops working at once).
 */
import { useState } from 'react';
import {
  Button,
  CopyValue,
  Empty,
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

interface ApiKey {
  id: string;
  name: string;
  obfuscated_value: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function ApiKeysPage() {
  const list = useLoad(() => dash.get<{ data: ApiKey[] }>('/_admin/api_keys'), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<(ApiKey & { value: string }) | null>(null);
  const create = useAction(async () => {
    setCreated(await dash.post<ApiKey & { value: string }>('/_admin/api_keys', { name }));
    setName('');
    list.reload();
  });
  return (
    <section>
      <PageHeader title="API keys" />
      <p className="muted">
        Keys authenticate your backend to the WorkOS API (<code>Authorization: Bearer sk_…</code>). Portico
        stores only their hash.
      </p>
      <div className="panel">
        <h2>Create a key</h2>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            setCreated(null);
            void create.run();
          }}
        >
          <Field
            label="Name"
            name="name"
            value={name}
            onChange={setName}
            placeholder="Production backend"
            required
            error={fieldError(create.error, 'name')}
          />
          <Button type="submit" busy={create.busy}>
            Create key
          </Button>
        </form>
        <ErrorNotice error={create.error} />
        {created ? (
          <Notice kind="success">
            <p>Copy the key now: it is shown only this once.</p>
            <CopyValue label={`API key ${created.name}`} value={created.value} secret />
          </Notice>
        ) : null}
      </div>
      <LoadState loaded={list} what="API keys">
        {(page) => (
          <Table
            caption="API keys"
            head={['Name', 'Key', 'Created', 'Last used', 'Status', '']}
            rows={page.data.map((k) => [
              k.name,
              <code key="v">{k.obfuscated_value}</code>,
              formatDate(k.created_at),
              formatDate(k.last_used_at),
              <Badge key="s" ok={!k.revoked_at}>
                {k.revoked_at ? `revoked ${formatDate(k.revoked_at)}` : 'active'}
              </Badge>,
              k.revoked_at ? (
                ''
              ) : (
                <ConfirmButton
                  key="r"
                  label="Revoke"
                  question={`Revoke ${k.name}? Requests using it fail at once.`}
                  action={async () => {
                    await dash.post(`/_admin/api_keys/${k.id}/revoke`);
                    list.reload();
                  }}
                />
              ),
            ])}
            empty={<Empty title="No API keys." />}
          />
        )}
      </LoadState>
    </section>
  );
}
