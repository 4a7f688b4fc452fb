/**
 * Log streams: the IT admin sends their organization's audit log events to their SIEM or a
 * bucket. Pick a destination, fill in its fields (the secret is write-only: only its last 4
 * characters come back), save; each stream then shows whether it is delivering, when it last
 * delivered, how many events wait, and the last error in the destination's own words. "Send test
 * event" sends one `portico.audit_logs.test` event and shows what the destination answered;
 * "Pause stream" stops sending (nothing is lost: it catches up on "Resume stream").
 */
import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../shared/api.ts';
import {
  Button,
  Empty,
  ErrorNotice,
  Field,
  formatDate,
  LoadState,
  Notice,
  Select,
  useAction,
  useLoad,
} from '../shared/ui.tsx';
import { BackToApp, DoneButton } from './App.tsx';
import type { LogStream, LogStreamTest, LogStreamType, PortalSession } from './session.ts';

interface FieldSpec {
  key: string;
  label: string;
  placeholder?: string;
  hint?: string;
  required?: boolean;
}

const DESTINATIONS: Record<
  LogStreamType,
  { label: string; secret: string; secretHint: string; fields: FieldSpec[] }
> = {
  Datadog: {
    label: 'Datadog',
    secret: 'API key',
    secretHint: 'Organization settings → API keys in Datadog.',
    fields: [
      {
        key: 'service',
        label: 'Service',
        placeholder: 'portico',
        hint: 'The service name logs are tagged with.',
      },
      {
        key: 'endpoint',
        label: 'Intake URL (optional)',
        placeholder: 'https://http-intake.logs.datadoghq.com/api/v2/logs',
        hint: 'Only for a proxy in front of Datadog; leave empty to use the site’s intake.',
      },
    ],
  },
  Splunk: {
    label: 'Splunk (HTTP Event Collector)',
    secret: 'HEC token',
    secretHint: 'Settings → Data inputs → HTTP Event Collector in Splunk.',
    fields: [
      {
        key: 'url',
        label: 'HEC URL',
        placeholder: 'https://splunk.example.com:8088',
        required: true,
        hint: 'The collector’s base URL, without /services/collector.',
      },
      { key: 'index', label: 'Index (optional)', placeholder: 'main' },
      { key: 'sourcetype', label: 'Source type (optional)', placeholder: 'portico:audit_log' },
    ],
  },
  S3: {
    label: 'Amazon S3 (or S3-compatible)',
    secret: 'Secret access key',
    secretHint: 'Of an IAM user allowed s3:PutObject on the bucket.',
    fields: [
      { key: 'bucket', label: 'Bucket', placeholder: 'acme-audit-logs', required: true },
      { key: 'region', label: 'Region', placeholder: 'us-east-1' },
      { key: 'access_key_id', label: 'Access key ID', placeholder: 'AKIA…', required: true },
      { key: 'prefix', label: 'Key prefix (optional)', placeholder: 'audit-logs' },
      {
        key: 'endpoint',
        label: 'Endpoint (optional)',
        placeholder: 'https://minio.example.com',
        hint: 'For an S3-compatible store (MinIO, Ceph, R2); leave empty for AWS.',
      },
    ],
  },
  GoogleCloudStorage: {
    label: 'Google Cloud Storage',
    secret: 'HMAC secret',
    secretHint: 'Cloud Storage → Settings → Interoperability → HMAC keys.',
    fields: [
      { key: 'bucket', label: 'Bucket', placeholder: 'acme-audit-logs', required: true },
      { key: 'access_key_id', label: 'HMAC access ID', placeholder: 'GOOG1…', required: true },
      { key: 'prefix', label: 'Object prefix (optional)', placeholder: 'audit-logs' },
      { key: 'endpoint', label: 'Endpoint (optional)', placeholder: 'https://storage.googleapis.com' },
    ],
  },
  HTTP: {
    label: 'HTTPS endpoint (signed POST)',
    secret: 'Signing secret',
    secretHint: 'Each POST carries WorkOS-Signature: t=…, v1=HMAC-SHA256 of "t.body" with this secret.',
    fields: [{ key: 'url', label: 'URL', placeholder: 'https://siem.example.com/portico', required: true }],
  },
};

const DATADOG_SITES = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ddog-gov.com',
];

export function LogStreams({ session }: { session: PortalSession }) {
  const list = useLoad(() => api.get<{ data: LogStream[] }>('/portal/api/log_streams'));
  // Delivery status moves on its own: refresh it every few seconds.
  useEffect(() => {
    const t = setInterval(() => list.reload(), 2_000);
    return () => clearInterval(t);
  }, [list.reload]);
  return (
    <>
      <p>
        Send {session.organization.name}’s audit log events to your SIEM or storage, in order, as they happen.
      </p>
      <LoadState loaded={list} what="your log streams">
        {({ data }) =>
          data.length === 0 ? (
            <Empty title="No log stream yet.">
              <p>Choose a destination below.</p>
            </Empty>
          ) : (
            data.map((s) => <StreamCard key={s.id} stream={s} onChanged={list.reload} />)
          )
        }
      </LoadState>
      <NewStream onCreated={list.reload} />
      {list.data?.data.length ? (
        <div className="actions">
          <DoneButton session={session} />
        </div>
      ) : (
        <BackToApp session={session} />
      )}
    </>
  );
}

function NewStream({ onCreated }: { onCreated: () => void }) {
  const [type, setType] = useState<LogStreamType>('Datadog');
  const [values, setValues] = useState<Record<string, string>>({ site: 'datadoghq.com' });
  const [secret, setSecret] = useState('');
  const dest = DESTINATIONS[type];
  const create = useAction(async () => {
    const config: Record<string, string> = {};
    for (const f of dest.fields) if (values[f.key]?.trim()) config[f.key] = values[f.key]!.trim();
    if (type === 'Datadog') config.site = values.site ?? 'datadoghq.com';
    await api.post<LogStream>('/portal/api/log_streams', { type, config, secret });
    setValues({ site: 'datadoghq.com' });
    setSecret('');
    onCreated();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.run();
  };
  const errorFor = (field: string) => create.error?.errors.find((e) => e.field === field)?.message;
  return (
    <section className="panel" aria-labelledby="new-stream">
      <h2 id="new-stream">Add a log stream</h2>
      <form onSubmit={submit} noValidate>
        <Select
          label="Destination"
          name="type"
          value={type}
          onChange={(v) => {
            setType(v as LogStreamType);
            create.setError(undefined);
          }}
          options={Object.entries(DESTINATIONS).map(([value, d]) => ({ value, label: d.label }))}
        />
        {type === 'Datadog' ? (
          <Select
            label="Datadog site"
            name="site"
            value={values.site ?? 'datadoghq.com'}
            onChange={(v) => setValues({ ...values, site: v })}
            options={DATADOG_SITES.map((s) => ({ value: s, label: s }))}
          />
        ) : null}
        {dest.fields.map((f) => (
          <Field
            key={`${type}-${f.key}`}
            label={f.label}
            name={f.key}
            value={values[f.key] ?? ''}
            onChange={(v) => setValues({ ...values, [f.key]: v })}
            placeholder={f.placeholder}
            hint={f.hint}
            required={f.required}
            error={errorFor(`config.${f.key}`)}
          />
        ))}
        <Field
          label={dest.secret}
          name="secret"
          type="password"
          autoComplete="off"
          value={secret}
          onChange={setSecret}
          hint={`${dest.secretHint} Stored encrypted; it is never shown again.`}
          required
          error={errorFor('secret')}
        />
        <ErrorNotice error={create.error} title="The log stream could not be saved." />
        <div className="actions">
          <Button type="submit" busy={create.busy}>
            Save log stream
          </Button>
        </div>
      </form>
    </section>
  );
}

const STATE_LABEL: Record<LogStream['state'], string> = {
  active: 'Active',
  error: 'Failing',
  inactive: 'Paused',
};

function destinationOf(s: LogStream): string {
  const c = s.config as Record<string, string | undefined>;
  if (s.type === 'S3' || s.type === 'GoogleCloudStorage')
    return `${c.bucket}${c.prefix ? `/${c.prefix}` : ''}`;
  if (s.type === 'Datadog') return c.endpoint ?? c.site ?? 'datadoghq.com';
  return c.url ?? '';
}

function StreamCard({ stream: s, onChanged }: { stream: LogStream; onChanged: () => void }) {
  const setState = useAction(async (state: 'active' | 'inactive') => {
    await api.patch<LogStream>(`/portal/api/log_streams/${s.id}`, { state });
    onChanged();
  });
  const [result, setResult] = useState<LogStreamTest | null>(null);
  const test = useAction(async () => {
    setResult(await api.post<LogStreamTest>(`/portal/api/log_streams/${s.id}/test`, {}));
  });
  const remove = useAction(async () => {
    await api.del(`/portal/api/log_streams/${s.id}`);
    onChanged();
  });
  const headingId = `stream-${s.id}`;
  return (
    <section className="panel log-stream" aria-labelledby={headingId} data-stream-id={s.id}>
      <h2 id={headingId}>
        {DESTINATIONS[s.type].label}{' '}
        <span className={`badge ${s.state === 'active' ? 'badge-ok' : 'badge-bad'}`}>
          {STATE_LABEL[s.state]}
        </span>
      </h2>
      <dl className="stream-status">
        <dt>Destination</dt>
        <dd>
          <code>{destinationOf(s)}</code>
        </dd>
        <dt>Last delivered</dt>
        <dd className="last-delivered">
          {s.last_delivered_at ? formatDate(s.last_delivered_at) : 'Not yet'}
        </dd>
        <dt>Events delivered</dt>
        <dd className="delivered-through">through #{s.delivered_through_seq}</dd>
        <dt>Events waiting</dt>
        <dd className="pending-events">{s.pending_events}</dd>
        {s.secret_hint ? (
          <>
            <dt>Secret</dt>
            <dd>…{s.secret_hint}</dd>
          </>
        ) : null}
      </dl>
      {s.last_error && s.attempts > 0 ? (
        <div className="notice notice-error" role="status">
          <strong>Last error</strong> ({formatDate(s.last_error_at)}, {s.attempts} failed attempt
          {s.attempts === 1 ? '' : 's'} in a row): <span className="last-error">{s.last_error}</span>
          <p>Portico keeps retrying; nothing is lost while the destination is down.</p>
        </div>
      ) : s.last_error ? (
        <p className="muted">
          Recovered. The last error, on {formatDate(s.last_error_at)}, was:{' '}
          <span className="last-error">{s.last_error}</span>
        </p>
      ) : null}
      {result ? (
        result.success ? (
          <Notice kind="success">
            Test event delivered: the destination answered {result.status} in {result.duration_ms} ms.
          </Notice>
        ) : (
          <div className="notice notice-error" role="alert">
            <strong>The test event was not delivered.</strong> {result.error}
          </div>
        )
      ) : null}
      <ErrorNotice error={test.error ?? remove.error ?? setState.error} title="That did not work." />
      <div className="actions">
        <Button onClick={() => test.run()} busy={test.busy}>
          Send test event
        </Button>
        {s.state === 'inactive' ? (
          <Button kind="secondary" onClick={() => setState.run('active')} busy={setState.busy}>
            Resume stream
          </Button>
        ) : (
          <>
            {s.attempts > 0 ? (
              <Button kind="secondary" onClick={() => setState.run('active')} busy={setState.busy}>
                Retry now
              </Button>
            ) : null}
            <Button kind="secondary" onClick={() => setState.run('inactive')} busy={setState.busy}>
              Pause stream
            </Button>
          </>
        )}
        <Button kind="danger" onClick={() => remove.run()} busy={remove.busy}>
          Delete stream
        </Button>
      </div>
    </section>
  );
}
