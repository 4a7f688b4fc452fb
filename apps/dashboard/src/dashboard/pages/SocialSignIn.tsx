/**
 * Social sign-in (`/_admin/oauth_providers`, dashboard session only): each provider's client
 * credentials for this environment. The client secret is sent once and never shown again (sealed at
 * rest); leaving it empty on a later save keeps the stored one. Without credentials, development
 * uses the built-in Test OAuth provider (docs/social-sign-in.md).
 */
import { useState } from 'react';
import {
  Button,
  CopyValue,
  Empty,
  ErrorNotice,
  Field,
  LoadState,
  Table,
  useAction,
  useLoad,
} from '../../shared/ui.tsx';
import { dash } from '../client.ts';
import { ConfirmButton, fieldError, PageHeader } from '../kit.tsx';

interface Credential {
  provider: string;
  client_id: string;
  scopes: string[];
  options: Record<string, string>;
  updated_at: string;
}

const OPTIONS: Record<string, { name: string; label: string; hint: string }[]> = {
  MicrosoftOAuth: [{ name: 'tenant', label: 'Tenant', hint: 'The directory (tenant) id or primary domain.' }],
  AppleOAuth: [
    { name: 'team_id', label: 'Team id', hint: 'Your Apple Developer team id.' },
    { name: 'key_id', label: 'Key id', hint: 'The id of the Sign in with Apple key.' },
  ],
  GitLabOAuth: [
    {
      name: 'base_url',
      label: 'GitLab URL',
      hint: 'Only for self-managed GitLab (default https://gitlab.com).',
    },
  ],
  SalesforceOAuth: [
    {
      name: 'base_url',
      label: 'Salesforce login URL',
      hint: 'Only for a sandbox (https://test.salesforce.com) or My Domain (default https://login.salesforce.com).',
    },
  ],
};

export function SocialSignInPage() {
  const list = useLoad(
    () =>
      dash.get<{ data: Credential[]; providers: string[]; redirect_uri: string }>('/_admin/oauth_providers'),
    [],
  );
  const [provider, setProvider] = useState('GoogleOAuth');
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [scopes, setScopes] = useState('');
  const [options, setOptions] = useState<Record<string, string>>({});
  const save = useAction(async () => {
    const opts = Object.fromEntries(
      Object.entries(options).filter(([k, v]) => v.trim() && OPTIONS[provider]?.some((o) => o.name === k)),
    );
    await dash.put(`/_admin/oauth_providers/${provider}`, {
      client_id: clientId.trim(),
      ...(secret ? { client_secret: secret } : {}),
      ...(scopes.trim() ? { scopes: scopes.trim().split(/\s+/) } : {}),
      options: opts,
    });
    setSecret('');
    list.reload();
  });
  return (
    <section>
      <PageHeader title="Social sign-in" />
      <LoadState loaded={list} what="social sign-in providers">
        {(d) => (
          <>
            <div className="panel">
              <p className="muted">
                Register this callback URL at each provider. A provider without credentials uses the Test
                OAuth provider in development and is refused in production.
              </p>
              <CopyValue label="Callback URL" value={d.redirect_uri} />
            </div>
            <div className="panel">
              <h2>Configured providers</h2>
              <Table
                caption="Configured providers"
                head={['Provider', 'Client id', 'Scopes', '']}
                rows={d.data.map((c) => [
                  c.provider,
                  c.client_id,
                  c.scopes.join(' '),
                  <ConfirmButton
                    key="x"
                    label="Remove"
                    question={`Remove the ${c.provider} credentials?`}
                    action={async () => {
                      await dash.del(`/_admin/oauth_providers/${c.provider}`);
                      list.reload();
                    }}
                  />,
                ])}
                empty={<Empty title="No provider has credentials yet.">Add one below.</Empty>}
              />
            </div>
            <div className="panel">
              <h2>Set a provider’s credentials</h2>
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void save.run();
                }}
              >
                <label htmlFor="oauth-provider">Provider</label>
                <select
                  id="oauth-provider"
                  name="provider"
                  value={provider}
                  onChange={(e) => setProvider(e.target.value)}
                >
                  {d.providers.map((p) => (
                    <option key={p} value={p}>
                      {p}
                    </option>
                  ))}
                </select>
                <Field
                  label="Client id"
                  name="client_id"
                  value={clientId}
                  onChange={setClientId}
                  required
                  error={fieldError(save.error, 'client_id')}
                />
                <Field
                  label={provider === 'AppleOAuth' ? 'Private key (.p8 file contents)' : 'Client secret'}
                  name="client_secret"
                  value={secret}
                  onChange={setSecret}
                  multiline={provider === 'AppleOAuth'}
                  type={provider === 'AppleOAuth' ? undefined : 'password'}
                  hint="Stored encrypted and never shown again. Leave empty to keep the stored one."
                  error={fieldError(save.error, 'client_secret')}
                />
                <Field
                  label="Scopes"
                  name="scopes"
                  value={scopes}
                  onChange={setScopes}
                  hint="Space-separated; empty: the provider’s defaults."
                  error={fieldError(save.error, 'scopes')}
                />
                {(OPTIONS[provider] ?? []).map((o) => (
                  <Field
                    key={o.name}
                    label={o.label}
                    name={o.name}
                    value={options[o.name] ?? ''}
                    onChange={(v) => setOptions({ ...options, [o.name]: v })}
                    hint={o.hint}
                    error={fieldError(save.error, `options.${o.name}`)}
                  />
                ))}
                <Button type="submit" busy={save.busy}>
                  Save
                </Button>
              </form>
              <ErrorNotice error={save.error} />
            </div>
          </>
        )}
      </LoadState>
    </section>
  );
}
