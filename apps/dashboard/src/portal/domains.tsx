/**
 * Domain verification: add the domain, publish the TXT record shown, press "Verify". The result
 * says what the DNS lookup found when it does not match.
 */
import { type FormEvent, useState } from 'react';
import { api } from '../shared/api.ts';
import {
  Button,
  CopyValue,
  Empty,
  ErrorNotice,
  Field,
  LoadState,
  Notice,
  useAction,
  useLoad,
} from '../shared/ui.tsx';
import { BackToApp, DoneButton } from './App.tsx';
import type { Domain, PortalSession } from './session.ts';

export function Domains({ session }: { session: PortalSession }) {
  const list = useLoad(() => api.get<{ data: Domain[] }>('/portal/api/domains'));
  // intent_options.domain_verification.domain_name (WorkOS's spec) prefills the domain.
  const suggested = (session.intent_options.domain_verification as { domain_name?: unknown } | undefined)
    ?.domain_name;
  const [domain, setDomain] = useState(typeof suggested === 'string' ? suggested : '');
  const add = useAction(async () => {
    await api.post<Domain>('/portal/api/domains', { domain: domain.trim() });
    setDomain('');
    list.reload();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.run();
  };
  return (
    <>
      <LoadState loaded={list} what="your domains">
        {({ data }) =>
          data.length === 0 ? (
            <Empty title="No domain yet.">
              <p>Add the domain your company’s email addresses use (for example example.com).</p>
            </Empty>
          ) : (
            data.map((d) => <DomainCard key={d.id} initial={d} />)
          )
        }
      </LoadState>
      <section className="panel" aria-labelledby="add">
        <h2 id="add">Add a domain</h2>
        <form onSubmit={submit} noValidate>
          <Field
            label="Domain"
            name="domain"
            value={domain}
            onChange={setDomain}
            placeholder="example.com"
            required
            error={add.error?.errors.find((e) => e.field === 'domain')?.message}
          />
          <ErrorNotice error={add.error} title="The domain could not be added." />
          <div className="actions">
            <Button type="submit" busy={add.busy}>
              Add domain
            </Button>
          </div>
        </form>
      </section>
      {/* Done (success_url, else return_url) once a domain is there; before, the plain way back. */}
      {list.data?.data.some((d) => d.state === 'verified') ? (
        <div className="actions">
          <DoneButton session={session} />
        </div>
      ) : (
        <BackToApp session={session} />
      )}
    </>
  );
}

function DomainCard({ initial }: { initial: Domain }) {
  const [d, setD] = useState(initial);
  const verify = useAction(async () => {
    setD(await api.post<Domain>(`/portal/api/domains/${d.id}/verify`, {}));
  });
  return (
    <section className="panel" aria-labelledby={`dom-${d.id}`}>
      <h2 id={`dom-${d.id}`}>
        {d.domain}{' '}
        <span className={`badge ${d.state === 'verified' ? 'badge-ok' : 'badge-bad'}`}>
          {d.state === 'verified'
            ? 'Verified'
            : d.state === 'failed'
              ? 'Not verified yet'
              : 'Waiting for DNS'}
        </span>
      </h2>
      {d.state === 'verified' ? (
        <Notice kind="success">{d.domain} is verified. You can remove the TXT record if you like.</Notice>
      ) : (
        <>
          <p>
            At your DNS provider (where {d.domain} is managed), add this <b>TXT</b> record, then press Verify.
            DNS changes usually take a few minutes, sometimes longer.
          </p>
          <CopyValue label="Record name (host)" value={d.record_name} />
          <CopyValue label="Record value" value={d.record_value ?? ''} />
          {d.check && !d.check.ok ? (
            <div className="notice notice-error" role="alert">
              <strong>Not verified yet.</strong> {d.check.reason}
              {d.check.found.length ? (
                <p>
                  Found:{' '}
                  {d.check.found.map((v) => (
                    <code key={v}>{v} </code>
                  ))}
                </p>
              ) : null}
            </div>
          ) : null}
          <ErrorNotice error={verify.error} title="The check could not run." />
          <div className="actions">
            <Button onClick={() => verify.run()} busy={verify.busy}>
              Verify
            </Button>
          </div>
        </>
      )}
    </section>
  );
}
