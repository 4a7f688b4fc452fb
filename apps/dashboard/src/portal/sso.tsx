/**
 * Single sign-on set-up: pick the identity provider, follow its steps with Portico's values to
 * copy, give the IdP's metadata (URL or XML; for OIDC the discovery URL and client), map
 * attributes if needed, then test with a real sign-in and read the verdict.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../shared/api.ts';
import {
  Button,
  CopyValue,
  ErrorNotice,
  Field,
  formatDate,
  Loading,
  LoadState,
  Notice,
  Steps,
  toApiError,
  useAction,
  useLoad,
} from '../shared/ui.tsx';
import { BackLink, DoneButton } from './App.tsx';
import { SSO_GUIDES } from './guides.tsx';
import { type Connection, type Idp, idpOf, type PortalSession, type TestVerdict } from './session.ts';

interface Props {
  session: PortalSession;
  route: string;
  go: (to: string) => void;
}

export function SsoSetup({ session, route, go }: Props) {
  const test = /^\/sso\/test\/(.+)$/.exec(route);
  if (test) return <TestResult session={session} testId={decodeURIComponent(test[1]!)} go={go} />;
  if (route === '/sso/new') return <IdpChooser session={session} go={go} />;
  const conn = /^\/sso\/(conn_[A-Za-z0-9]+)$/.exec(route);
  if (conn) return <ConnectionWizard session={session} id={conn[1]!} go={go} />;
  return <Overview session={session} go={go} />;
}

function Overview({ session, go }: { session: PortalSession; go: (to: string) => void }) {
  const list = useLoad(() => api.get<{ data: Connection[] }>('/portal/api/sso/connections'));
  return (
    <LoadState loaded={list} what="your connections">
      {({ data }) =>
        data.length === 0 ? (
          <IdpChooser session={session} go={go} />
        ) : (
          <section className="panel" aria-labelledby="conns">
            <h2 id="conns">Your single sign-on connections</h2>
            <ul className="plain-list">
              {data.map((c) => (
                <li key={c.id} className="list-row">
                  <span>
                    <b>{c.name}</b> <ConnectionStatus conn={c} />
                  </span>
                  <a href={`#/sso/${c.id}`}>{c.state === 'active' ? 'Review or test' : 'Continue set-up'}</a>
                </li>
              ))}
            </ul>
            <div className="actions">
              <Button kind="secondary" onClick={() => go('/sso/new')}>
                Add another identity provider
              </Button>
              <DoneButton session={session} />
            </div>
          </section>
        )
      }
    </LoadState>
  );
}

/**
 * A connection is used for sign-in as soon as its set-up is complete, before any test: the status
 * says so ("Live, not tested yet") instead of a plain "Active" until a sign-in through it succeeded.
 */
function ConnectionStatus({ conn }: { conn: Connection }) {
  if (conn.state !== 'active')
    return <span className="badge badge-bad connection-status">Set-up not finished</span>;
  if (!conn.last_successful_sign_in_at)
    return <span className="badge badge-warn connection-status">Live, not tested yet</span>;
  return <span className="badge badge-ok connection-status">Active, tested</span>;
}

function IdpChooser({ session, go }: { session: PortalSession; go: (to: string) => void }) {
  const preferred = (session.intent_options.sso as { provider_type?: string } | undefined)?.provider_type;
  const [choice, setChoice] = useState<string>(
    session.sso_idps.find((i) => i.type === preferred)?.id ?? session.sso_idps[0]!.id,
  );
  const create = useAction(async () => {
    const c = await api.post<Connection>('/portal/api/sso/connections', { idp: choice });
    go(`/sso/${c.id}`);
  });
  return (
    <section className="panel" aria-labelledby="pick">
      <Steps steps={['Choose your identity provider', 'Create the app', 'Connect', 'Test']} current={0} />
      <h2 id="pick">Which identity provider does your company use?</h2>
      <p className="muted">
        Your people will sign in to {session.organization.name}’s account with it. Pick one to see its own
        instructions.
      </p>
      <fieldset className="choices-fieldset">
        <legend className="visually-hidden">Identity provider</legend>
        <div className="choices">
          {session.sso_idps.map((i: Idp) => (
            <button
              key={i.id}
              type="button"
              className="choice"
              aria-pressed={choice === i.id}
              onClick={() => setChoice(i.id)}
            >
              <b>{i.label}</b>
              {i.id === 'saml' || i.id === 'oidc' ? null : (
                <>
                  <br />
                  <span className="muted">SAML 2.0</span>
                </>
              )}
            </button>
          ))}
        </div>
      </fieldset>
      <ErrorNotice error={create.error} />
      <div className="actions">
        <Button onClick={() => create.run()} busy={create.busy}>
          Continue with {session.sso_idps.find((i) => i.id === choice)?.label}
        </Button>
      </div>
      <BackLink session={session} />
    </section>
  );
}

function ConnectionWizard({
  session,
  id,
  go,
}: {
  session: PortalSession;
  id: string;
  go: (to: string) => void;
}) {
  const loaded = useLoad(() => api.get<Connection>(`/portal/api/sso/connections/${id}`), [id]);
  const [step, setStep] = useState<number | null>(null);
  const [conn, setConn] = useState<Connection | null>(null);
  useEffect(() => {
    if (loaded.data) {
      setConn(loaded.data);
      setStep((s) => s ?? (loaded.data!.state === 'active' ? 3 : 1));
    }
  }, [loaded.data]);
  if (loaded.error) return <ErrorNotice error={loaded.error} title="This connection could not be loaded." />;
  if (!conn || step === null) return <Loading what="the connection" />;
  const idp = idpOf(session.sso_idps, conn.connection_type);
  const guide = SSO_GUIDES[idp] ?? SSO_GUIDES.saml!;
  const oidc = conn.connection_type.endsWith('OIDC');
  return (
    <>
      <Steps steps={['Choose your identity provider', 'Create the app', 'Connect', 'Test']} current={step} />
      {step === 1 ? (
        <section className="panel guide" aria-labelledby="create">
          <h2 id="create">Create the app in {guide.title}</h2>
          <ol>
            {guide.steps.map((s, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the steps are a fixed list
              <li key={i}>{s}</li>
            ))}
          </ol>
          <h3>Values to copy into {guide.title}</h3>
          {oidc ? (
            <CopyValue label="Redirect URI" value={conn.sp.oidc_redirect_uri} />
          ) : (
            <>
              <CopyValue label="ACS URL" value={conn.sp.acs_url} />
              <CopyValue label="SP entity ID" value={conn.sp.sp_entity_id} />
              <CopyValue label="SP metadata URL" value={conn.sp.metadata_url} />
            </>
          )}
          <div className="actions">
            <Button onClick={() => setStep(2)}>I have created the app</Button>
            <a href="#/">Choose another identity provider</a>
          </div>
        </section>
      ) : null}
      {step === 2 ? (
        <IdpDetails
          conn={conn}
          hint={guide.metadataHint}
          title={guide.title}
          onSaved={(c) => {
            setConn(c);
            setStep(3);
          }}
          onBack={() => setStep(1)}
        />
      ) : null}
      {step === 3 ? <TestStep session={session} conn={conn} onBack={() => setStep(2)} go={go} /> : null}
    </>
  );
}

const ATTRIBUTES: { key: string; label: string }[] = [
  { key: 'email', label: 'Email' },
  { key: 'first_name', label: 'First name' },
  { key: 'last_name', label: 'Last name' },
  { key: 'idp_id', label: 'User ID' },
  { key: 'groups', label: 'Groups' },
];

function IdpDetails(props: {
  conn: Connection;
  title: string;
  hint: string;
  onSaved: (c: Connection) => void;
  onBack: () => void;
}) {
  const { conn } = props;
  const oidc = conn.connection_type.endsWith('OIDC');
  const [mode, setMode] = useState<'url' | 'xml'>(props.title === 'Google Workspace' ? 'xml' : 'url');
  const [url, setUrl] = useState(conn.metadata_url ?? '');
  const [xml, setXml] = useState('');
  const [discovery, setDiscovery] = useState(conn.oidc?.discovery_url ?? '');
  const [clientId, setClientId] = useState(conn.oidc?.client_id ?? '');
  const [secret, setSecret] = useState('');
  const [map, setMap] = useState<Record<string, string>>(conn.attribute_map ?? {});
  const save = useAction(async () => {
    const attribute_map = Object.fromEntries(Object.entries(map).filter(([, v]) => v.trim() !== ''));
    const body: Record<string, unknown> = {};
    if (Object.keys(attribute_map).length) body.attribute_map = attribute_map;
    if (oidc) {
      const o: Record<string, string> = {};
      if (discovery) o.discovery_url = discovery.trim();
      if (clientId) o.client_id = clientId.trim();
      if (secret) o.client_secret = secret;
      if (Object.keys(o).length) body.oidc = o;
    } else if (mode === 'url' && url.trim()) body.saml = { idp_metadata_url: url.trim() };
    else if (mode === 'xml' && xml.trim()) body.saml = { idp_metadata_xml: xml.trim() };
    const c = await api.put<Connection>(`/portal/api/sso/connections/${conn.id}`, body);
    if (c.setup_problem) {
      throw Object.assign(new Error(`The set-up is not complete yet: ${c.setup_problem}.`), {});
    }
    props.onSaved(c);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.run();
  };
  return (
    <section className="panel" aria-labelledby="connect">
      <h2 id="connect">Connect {props.title}</h2>
      <p className="muted">{props.hint}</p>
      <form onSubmit={submit} noValidate>
        {oidc ? (
          <>
            <Field
              label="Discovery URL"
              name="discovery_url"
              value={discovery}
              onChange={setDiscovery}
              type="url"
              required
              placeholder="https://login.example.com/.well-known/openid-configuration"
            />
            <Field label="Client ID" name="client_id" value={clientId} onChange={setClientId} required />
            <Field
              label="Client secret"
              name="client_secret"
              value={secret}
              onChange={setSecret}
              type="password"
              autoComplete="off"
              hint={conn.oidc?.client_id ? 'Leave empty to keep the secret already saved.' : undefined}
              required={!conn.oidc?.client_id}
            />
          </>
        ) : (
          <>
            <fieldset className="radio-group">
              <legend>How do you want to give us the metadata?</legend>
              <label>
                <input
                  type="radio"
                  name="mode"
                  value="url"
                  checked={mode === 'url'}
                  onChange={() => setMode('url')}
                />{' '}
                Metadata URL
              </label>
              <label>
                <input
                  type="radio"
                  name="mode"
                  value="xml"
                  checked={mode === 'xml'}
                  onChange={() => setMode('xml')}
                />{' '}
                Metadata XML
              </label>
            </fieldset>
            {mode === 'url' ? (
              <Field
                label="IdP metadata URL"
                name="idp_metadata_url"
                value={url}
                onChange={setUrl}
                type="url"
                placeholder="https://idp.example.com/app/metadata"
                hint="Portico downloads it now and again every 12 hours, so a new certificate is picked up by itself."
              />
            ) : (
              <Field
                label="IdP metadata XML"
                name="idp_metadata_xml"
                value={xml}
                onChange={setXml}
                multiline
                placeholder="<EntityDescriptor …>"
                hint="Paste the whole file, from <EntityDescriptor to </EntityDescriptor>."
              />
            )}
          </>
        )}
        <details className="mapping">
          <summary>Attribute mapping (optional)</summary>
          <p className="muted">
            Portico recognises the usual attribute names of {props.title}. Fill a field only if your IdP sends
            that value under another name.
          </p>
          {ATTRIBUTES.map((a) => (
            <Field
              key={a.key}
              label={a.label}
              name={`map_${a.key}`}
              value={map[a.key] ?? ''}
              onChange={(v) => setMap((m) => ({ ...m, [a.key]: v }))}
              placeholder="automatic"
            />
          ))}
        </details>
        <ErrorNotice error={save.error} title="The connection could not be saved." />
        <div className="actions">
          <Button type="submit" busy={save.busy}>
            Save and continue
          </Button>
          <Button kind="secondary" onClick={props.onBack}>
            Back
          </Button>
        </div>
      </form>
    </section>
  );
}

function TestStep(props: {
  session: PortalSession;
  conn: Connection;
  onBack: () => void;
  go: (to: string) => void;
}) {
  const { conn } = props;
  const test = useAction(async () => {
    const r = await api.post<{ authorization_url: string }>(
      `/portal/api/sso/connections/${conn.id}/test`,
      {},
    );
    window.location.assign(r.authorization_url);
  });
  return (
    <section className="panel" aria-labelledby="test">
      <h2 id="test">Test single sign-on</h2>
      {conn.state === 'active' && !conn.last_successful_sign_in_at ? (
        <Notice kind="warning">
          <span className="live-untested">
            {conn.name} is connected
            {conn.saml?.idp_entity_id ? (
              <>
                {' '}
                to <code className="wrap">{conn.saml.idp_entity_id}</code>
              </>
            ) : null}{' '}
            and <b>already live</b>: your people can sign in with it now. It has not been tested yet — test it
            now to make sure it works.
          </span>
        </Notice>
      ) : conn.state === 'active' ? (
        <Notice kind="success">
          {conn.name} is connected
          {conn.saml?.idp_entity_id ? (
            <>
              {' '}
              to <code className="wrap">{conn.saml.idp_entity_id}</code>
            </>
          ) : null}
          . A sign-in through it succeeded on {formatDate(conn.last_successful_sign_in_at)}.
        </Notice>
      ) : (
        <Notice kind="warning">The set-up is not complete yet: {conn.setup_problem}.</Notice>
      )}
      <p>
        Sign in once with your own account at your identity provider: you will come back here with the result.
        If something is wrong, the result says what and how to fix it.
      </p>
      <ErrorNotice error={test.error} title="The test could not start." />
      <div className="actions">
        <Button onClick={() => test.run()} busy={test.busy} disabled={conn.state !== 'active'}>
          Test sign-in
        </Button>
        <Button kind="secondary" onClick={props.onBack}>
          Change the connection
        </Button>
      </div>
    </section>
  );
}

function TestResult({
  session,
  testId,
  go,
}: {
  session: PortalSession;
  testId: string;
  go: (to: string) => void;
}) {
  const [verdict, setVerdict] = useState<TestVerdict | null>(null);
  const [error, setError] = useState<ReturnType<typeof toApiError>>();
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const v = await api.get<TestVerdict>(`/portal/api/sso/tests/${encodeURIComponent(testId)}`);
        if (!live) return;
        setVerdict(v);
        if (v.outcome === 'pending') timer = setTimeout(poll, 1500);
      } catch (e) {
        if (live) setError(toApiError(e));
      }
    };
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [testId]);
  if (error) return <ErrorNotice error={error} title="The test result could not be loaded." />;
  if (!verdict) return <Loading what="the test result" />;
  if (verdict.outcome === 'pending') {
    return (
      <section className="panel" aria-live="polite">
        <h2>Waiting for the sign-in to finish…</h2>
        <p>If you closed the identity provider’s page, start the test again.</p>
        <a href={`#/sso/${verdict.connection_id}`}>Back to the connection</a>
      </section>
    );
  }
  if (verdict.outcome === 'succeeded') {
    return (
      <section className="panel" aria-labelledby="ok">
        <h2 id="ok">Single sign-on works</h2>
        <Notice kind="success">
          The test sign-in succeeded: you signed in as <b className="test-email">{verdict.email}</b>.
        </Notice>
        <p>Your people can now sign in with their company account.</p>
        <div className="actions">
          <DoneButton session={session} />
          <a href={`#/sso/${verdict.connection_id}`}>Back to the connection</a>
        </div>
      </section>
    );
  }
  return (
    <section className="panel" aria-labelledby="failed">
      <h2 id="failed">The test sign-in failed</h2>
      <div className="notice notice-error" role="alert">
        <p className="verdict-message">
          <strong>What happened:</strong> {verdict.error?.message ?? 'The sign-in did not complete.'}
        </p>
        {verdict.error?.fix ? (
          <p className="verdict-fix">
            <strong>How to fix it:</strong> {verdict.error.fix}
          </p>
        ) : null}
        {verdict.error ? <span className="code">({verdict.error.code})</span> : null}
      </div>
      <details>
        <summary>What Portico checked</summary>
        <ol className="trace">
          {verdict.steps.map((s, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: trace steps are positional
            <li key={i} className={s.ok ? 'ok' : 'bad'}>
              {s.ok ? '✓' : '✗'} {s.step}
              {s.detail ? `: ${s.detail}` : ''}
            </li>
          ))}
        </ol>
      </details>
      <div className="actions">
        <Button onClick={() => go(`/sso/${verdict.connection_id}`)}>Fix the connection and test again</Button>
      </div>
    </section>
  );
}
