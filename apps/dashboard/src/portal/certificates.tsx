/**
 * Certificate renewal: the connection's IdP signing certificates with their expiry dates. The IT
 * admin pastes the next certificate before the old one expires; both stay valid (the overlap),
 * and the old one is removed once the IdP signs with the new one. A test sign-in checks it.
 */
import { type FormEvent, useState } from 'react';
import { api } from '../shared/api.ts';
import {
  Button,
  Empty,
  ErrorNotice,
  Field,
  formatDate,
  LoadState,
  Notice,
  Table,
  useAction,
  useLoad,
} from '../shared/ui.tsx';
import { BackToApp, DoneButton } from './App.tsx';
import type { Connection, PortalSession } from './session.ts';
import { SsoSetup } from './sso.tsx';

interface Props {
  session: PortalSession;
  route: string;
  go: (to: string) => void;
}

export function Certificates({ session, route, go }: Props) {
  // The test sign-in's result page is the SSO one.
  if (route.startsWith('/sso/test/')) return <SsoSetup session={session} route={route} go={go} />;
  return <CertificateList session={session} />;
}

function CertificateList({ session }: { session: PortalSession }) {
  const list = useLoad(() => api.get<{ data: Connection[] }>('/portal/api/sso/connections'));
  return (
    <LoadState loaded={list} what="your connections">
      {({ data }) => {
        const saml = data.filter((c) => !c.connection_type.endsWith('OIDC'));
        if (saml.length === 0)
          return (
            <>
              <Empty title="No SAML connection to renew.">
                <p>
                  {session.organization.name} has no SAML single sign-on connection yet, so there is no
                  certificate to renew here. To set up single sign-on, ask the application for an Admin Portal
                  link for it.
                </p>
              </Empty>
              <BackToApp session={session} />
            </>
          );
        return (
          <>
            {saml.map((c) => (
              <ConnectionCerts key={c.id} initial={c} />
            ))}
            <div className="actions">
              <DoneButton session={session} />
            </div>
          </>
        );
      }}
    </LoadState>
  );
}

function ConnectionCerts({ initial }: { initial: Connection }) {
  const [c, setC] = useState(initial);
  const [pem, setPem] = useState('');
  const add = useAction(async () => {
    setC(
      await api.post<Connection>(`/portal/api/sso/connections/${c.id}/certificates`, { certificate: pem }),
    );
    setPem('');
  });
  const remove = useAction(async (fingerprint: string) => {
    if (!window.confirm('Remove this certificate? Sign-ins signed with it will stop working.')) return;
    setC(await api.del<Connection>(`/portal/api/sso/connections/${c.id}/certificates/${fingerprint}`));
  });
  const test = useAction(async () => {
    const r = await api.post<{ authorization_url: string }>(`/portal/api/sso/connections/${c.id}/test`, {});
    window.location.assign(r.authorization_url);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.run();
  };
  const soon = c.certificates.some((x) => x.days_left < 30);
  return (
    <section className="panel" aria-labelledby={`c-${c.id}`}>
      <h2 id={`c-${c.id}`}>{c.name}</h2>
      {soon && c.certificates.length === 1 ? (
        <Notice kind="warning">
          This certificate expires soon. Create the next one in your identity provider and add it below before
          then.
        </Notice>
      ) : null}
      {c.certificates.length > 1 ? (
        <Notice kind="info">
          Both certificates are accepted now. Once your identity provider signs with the new one (a test
          sign-in shows it), remove the old one.
        </Notice>
      ) : null}
      <Table
        caption="Signing certificates"
        head={['Certificate', 'Expires', 'Status', 'From', '']}
        rows={c.certificates.map((x) => [
          <span key="s" className="mono wrap">
            {x.subject}
          </span>,
          formatDate(x.not_after),
          x.expired ? 'Expired' : `${x.days_left} days left`,
          x.source === 'metadata' ? 'Your IdP’s metadata' : x.source === 'added' ? 'Added here' : 'Set up',
          c.certificates.length > 1 && x.source !== 'metadata' ? (
            <Button key="r" kind="danger" onClick={() => remove.run(x.fingerprint_sha256)} busy={remove.busy}>
              Remove
            </Button>
          ) : (
            ''
          ),
        ])}
      />
      <ErrorNotice error={remove.error} />
      <form onSubmit={submit} noValidate>
        <Field
          label="Next certificate (PEM)"
          name="certificate"
          value={pem}
          onChange={setPem}
          multiline
          placeholder="-----BEGIN CERTIFICATE-----"
          hint="In your identity provider, create the new signing certificate and copy it (Base64 / PEM)."
        />
        <ErrorNotice error={add.error} title="The certificate could not be added." />
        <div className="actions">
          <Button type="submit" busy={add.busy} disabled={!pem.trim()}>
            Add certificate
          </Button>
          <Button kind="secondary" onClick={() => test.run()} busy={test.busy}>
            Test sign-in
          </Button>
        </div>
      </form>
      <ErrorNotice error={test.error} title="The test could not start." />
    </section>
  );
}
