/**
 * Tamper evidence for audit logs (docs/audit-logs.md "Verifying the trail").
 *
 * Each organization's events form one hash chain: event `seq` stores
 * `hash = SHA-256(prev_hash ‖ "\n" ‖ body)`, where `body` is the event's canonical JSON (keys
 * sorted, no whitespace) including its own id and seq, and `prev_hash` is the hash of event
 * `seq - 1` (the first event links to a genesis value derived from the organization id). The chain
 * head lives in `audit_log_organizations`; appending takes that row FOR UPDATE on PostgreSQL, so
 * several processes append one after another, and `(organization_id, seq)` is unique, so the chain
 * cannot fork even if they did not. Retention deletes a prefix of the chain and moves the start
 * (`pruned_through_seq`, `pruned_hash`), recording what it deleted as an event in the chain.
 *
 * Checkpoints sign `(organization, seq, hash)` with the environment's Ed25519 key (a compact JWS
 * whose public key is published), so a rewrite of the whole chain up to a checkpoint is caught
 * too. `verifyChain` names each kind of tampering: an altered, deleted, inserted or reordered row.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { CompactSign, compactVerify, importJWK, type JWK } from 'jose';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import type { AuditLogEventTable, AuditLogOrganizationTable } from '../../platform/schema.ts';

/** JSON with object keys sorted at every level and `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function chainHash(prevHash: string, body: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export function genesisHash(organizationId: string): string {
  return createHash('sha256').update(`portico-audit-log-genesis\n${organizationId}`).digest('hex');
}

/** The event as hashed: everything the API accepted, plus its id, place and arrival time. */
export interface ChainedEvent {
  id: string;
  organization_id: string;
  seq: number;
  action: string;
  version: number | null;
  occurred_at: string;
  actor: { id: string; type: string; name?: string; metadata?: Record<string, unknown> };
  targets: { id: string; type: string; name?: string; metadata?: Record<string, unknown> }[];
  context: { location: string; user_agent?: string };
  metadata?: Record<string, unknown>;
  received_at: string;
}

export const targetTypesColumn = (targets: { type: string }[]) =>
  `,${[...new Set(targets.map((t) => t.type.replaceAll(',', '')))].join(',')},`;

/** The head row of an organization's chain, created on first use and locked on PostgreSQL. */
async function lockHead(
  tx: Queryable,
  deps: Pick<Deps, 'dialect' | 'clock'>,
  environmentId: string,
  organizationId: string,
): Promise<AuditLogOrganizationTable> {
  const read = () => {
    const q = tx
      .selectFrom('audit_log_organizations')
      .selectAll()
      .where('organization_id', '=', organizationId);
    return deps.dialect === 'postgres' ? q.forUpdate().executeTakeFirst() : q.executeTakeFirst();
  };
  const head = await read();
  if (head) return head;
  const now = deps.clock.now().toISOString();
  const genesis = genesisHash(organizationId);
  await tx
    .insertInto('audit_log_organizations')
    .values({
      organization_id: organizationId,
      environment_id: environmentId,
      head_seq: 0,
      head_hash: genesis,
      pruned_through_seq: 0,
      pruned_hash: genesis,
      retention_days: null,
      checkpoint_seq: 0,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('organization_id').doNothing())
    .execute();
  return (await read())!;
}

export { lockHead as lockChainHead };

/**
 * Appends events to the organization's chain inside `tx` (the caller's transaction), in order.
 * Returns the stored rows.
 */
export async function appendToChain(
  tx: Queryable,
  deps: Pick<Deps, 'dialect' | 'clock' | 'ids'>,
  environmentId: string,
  organizationId: string,
  events: Omit<ChainedEvent, 'id' | 'seq' | 'organization_id' | 'received_at'>[],
): Promise<AuditLogEventTable[]> {
  const head = await lockHead(tx, deps, environmentId, organizationId);
  const receivedAt = deps.clock.now().toISOString();
  let seq = head.head_seq;
  let prev = head.head_hash;
  const rows: AuditLogEventTable[] = [];
  for (const e of events) {
    seq += 1;
    const chained: ChainedEvent = {
      ...e,
      id: deps.ids.next('audit_log_event'),
      organization_id: organizationId,
      seq,
      received_at: receivedAt,
    };
    const body = canonicalJson(chained);
    const hash = chainHash(prev, body);
    rows.push({
      id: chained.id,
      environment_id: environmentId,
      organization_id: organizationId,
      seq,
      action: e.action,
      occurred_at: e.occurred_at,
      actor_id: e.actor.id,
      actor_name: e.actor.name ?? null,
      target_types: targetTypesColumn(e.targets),
      body,
      prev_hash: prev,
      hash,
    });
    prev = hash;
  }
  // SQLite allows 32,766 bound values per statement: 12 columns × 500 rows stays well under it.
  for (let i = 0; i < rows.length; i += 500)
    await tx
      .insertInto('audit_log_events')
      .values(rows.slice(i, i + 500))
      .execute();
  await tx
    .updateTable('audit_log_organizations')
    .set({ head_seq: seq, head_hash: prev, updated_at: receivedAt })
    .where('organization_id', '=', organizationId)
    .where('head_seq', '=', head.head_seq)
    .execute();
  return rows;
}

// ── checkpoints ─────────────────────────────────────────────────────────────

export interface CheckpointClaims {
  organization_id: string;
  seq: number;
  hash: string;
  iat: number;
}

/** The environment's checkpoint signing key, created on first use (never rotated away: old checkpoints stay verifiable). */
export async function checkpointKey(deps: Deps, environmentId: string) {
  const existing = await deps.db
    .selectFrom('audit_log_keys')
    .selectAll()
    .where('environment_id', '=', environmentId)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (existing) return existing;
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const id = deps.ids.next('audit_log_key');
  const pub = { ...publicKey.export({ format: 'jwk' }), kid: id, alg: 'EdDSA', use: 'sig' };
  const priv = { ...privateKey.export({ format: 'jwk' }), kid: id, alg: 'EdDSA' };
  const row = {
    id,
    environment_id: environmentId,
    public_jwk: JSON.stringify(pub),
    private_sealed: deps.secrets.seal(JSON.stringify(priv)),
    created_at: deps.clock.now().toISOString(),
  };
  await deps.db.insertInto('audit_log_keys').values(row).execute();
  return row;
}

export async function publicCheckpointKeys(deps: Deps, environmentId: string): Promise<{ keys: JWK[] }> {
  const rows = await deps.db
    .selectFrom('audit_log_keys')
    .select('public_jwk')
    .where('environment_id', '=', environmentId)
    .orderBy('created_at')
    .execute();
  return { keys: rows.map((r) => JSON.parse(r.public_jwk) as JWK) };
}

/** Signs the head of every chain of the environment that moved since its last checkpoint. */
export async function writeCheckpoints(deps: Deps, environmentId?: string): Promise<number> {
  let q = deps.db
    .selectFrom('audit_log_organizations')
    .select(['organization_id', 'environment_id', 'head_seq', 'head_hash'])
    .whereRef('head_seq', '>', 'checkpoint_seq');
  if (environmentId) q = q.where('environment_id', '=', environmentId);
  const due = await q.limit(1000).execute();
  for (const head of due) {
    const key = await checkpointKey(deps, head.environment_id);
    const claims: CheckpointClaims = {
      organization_id: head.organization_id,
      seq: head.head_seq,
      hash: head.head_hash,
      iat: Math.floor(deps.clock.now().getTime() / 1000),
    };
    const jwk = JSON.parse(deps.secrets.open(key.private_sealed)) as JWK;
    const jws = await new CompactSign(new TextEncoder().encode(canonicalJson(claims)))
      .setProtectedHeader({ alg: 'EdDSA', kid: key.id, typ: 'portico-audit-checkpoint' })
      .sign(await importJWK(jwk, 'EdDSA'));
    await deps.db
      .insertInto('audit_log_checkpoints')
      .values({
        id: deps.ids.next('audit_log_checkpoint'),
        environment_id: head.environment_id,
        organization_id: head.organization_id,
        seq: head.head_seq,
        hash: head.head_hash,
        jws,
        created_at: deps.clock.now().toISOString(),
      })
      .onConflict((oc) => oc.columns(['organization_id', 'seq']).doNothing())
      .execute();
    await deps.db
      .updateTable('audit_log_organizations')
      .set({ checkpoint_seq: head.head_seq })
      .where('organization_id', '=', head.organization_id)
      .where('checkpoint_seq', '<', head.head_seq)
      .execute();
  }
  return due.length;
}

// ── verification ────────────────────────────────────────────────────────────

export type TamperKind = 'altered' | 'deleted' | 'inserted' | 'reordered' | 'checkpoint';

export interface ChainProblem {
  kind: TamperKind;
  seq: number;
  event_id: string | null;
  message: string;
}

export interface ChainReport {
  object: 'audit_log_verification';
  organization_id: string;
  verified: boolean;
  events_checked: number;
  first_seq: number | null;
  last_seq: number | null;
  head_hash: string;
  checkpoints_checked: number;
  problems: ChainProblem[];
}

const MAX_PROBLEMS = 100;

/**
 * Walks an organization's chain in seq order (constant memory: pages of 2,000) and reports every
 * kind of tampering it finds, up to 100 problems.
 */
export async function verifyChain(deps: Deps, organizationId: string, retried = false): Promise<ChainReport> {
  const readHead = () =>
    deps.db
      .selectFrom('audit_log_organizations')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
  let head = await readHead();
  const problems: ChainProblem[] = [];
  const report = (p: ChainProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const startSeq = head?.pruned_through_seq ?? 0;
  let expectedSeq = startSeq + 1;
  let prev = head?.pruned_hash ?? genesisHash(organizationId);
  let headSeq = head?.head_seq ?? 0;
  let checked = 0;
  let first: number | null = null;
  let last: number | null = null;
  const hashAt = new Map<number, string>();
  const checkpoints = await deps.db
    .selectFrom('audit_log_checkpoints')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('seq', '>', startSeq)
    .execute();
  const wanted = new Set(checkpoints.map((c) => c.seq));
  let after = startSeq;
  // After a gap or a moved row the next row's link cannot be checked (what it links to is gone or
  // elsewhere): it is taken as the new anchor, so one tampering is reported once.
  let resync = false;
  for (;;) {
    const rows = await deps.db
      .selectFrom('audit_log_events')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(2000)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      checked += 1;
      first ??= row.seq;
      last = row.seq;
      after = row.seq;
      if (wanted.has(row.seq)) hashAt.set(row.seq, row.hash);
      if (row.seq > headSeq) {
        // Appended while this ran (another request, another process)? An event and the head it
        // moves commit together, so a head read now covers every event committed before.
        const now = await readHead();
        if (now) {
          head = now;
          headSeq = now.head_seq;
        }
      }
      if (row.seq > headSeq) {
        report({
          kind: 'inserted',
          seq: row.seq,
          event_id: row.id,
          message: `Event ${row.id} at seq ${row.seq} lies beyond the chain head (seq ${headSeq}): it was inserted outside Portico.`,
        });
        prev = row.hash;
        continue;
      }
      if (row.seq > expectedSeq) {
        const range =
          row.seq - 1 === expectedSeq ? `seq ${expectedSeq}` : `seq ${expectedSeq}–${row.seq - 1}`;
        report({
          kind: 'deleted',
          seq: expectedSeq,
          event_id: null,
          message: `${row.seq - expectedSeq} event(s) at ${range} are missing: deleted outside retention.`,
        });
        resync = true;
      }
      expectedSeq = row.seq + 1;
      let body: Partial<ChainedEvent> | null = null;
      try {
        body = JSON.parse(row.body) as Partial<ChainedEvent>;
      } catch {
        body = null;
      }
      const unlinked = row.prev_hash !== prev && !resync;
      resync = false;
      if (body && (body.seq !== row.seq || body.id !== row.id)) {
        resync = true;
        report({
          kind: 'reordered',
          seq: row.seq,
          event_id: row.id,
          message: `The row at seq ${row.seq} holds event ${String(body.id)} of seq ${String(body.seq)}: events were moved or reordered.`,
        });
      } else if (!body || chainHash(row.prev_hash, row.body) !== row.hash) {
        report({
          kind: 'altered',
          seq: row.seq,
          event_id: row.id,
          message: `Event ${row.id} at seq ${row.seq} was altered: its content no longer matches its hash.`,
        });
      } else if (unlinked) {
        report({
          kind: 'altered',
          seq: row.seq,
          event_id: row.id,
          message: `Event ${row.id} at seq ${row.seq} does not link to the event before it: it was replaced or its chain rewritten.`,
        });
      } else {
        const differs = columnsDiffer(row, body as ChainedEvent);
        if (differs)
          report({
            kind: 'altered',
            seq: row.seq,
            event_id: row.id,
            message: `Event ${row.id} at seq ${row.seq} was altered: column ${differs} differs from the hashed event.`,
          });
      }
      prev = row.hash;
    }
  }
  const lastChained = Math.min(last ?? startSeq, headSeq);
  if (headSeq > startSeq && lastChained < headSeq && !problems.some((p) => p.kind === 'inserted')) {
    report({
      kind: 'deleted',
      seq: lastChained + 1,
      event_id: null,
      message: `The chain head is at seq ${headSeq} but the newest stored event is seq ${last ?? 'none'}: the newest events were deleted.`,
    });
  } else if (head && last === headSeq && prev !== head.head_hash && problems.length === 0) {
    report({
      kind: 'altered',
      seq: headSeq,
      event_id: null,
      message: `The chain head's hash does not match event seq ${headSeq}: the head or the newest event was altered.`,
    });
  }
  // Retention pruned the chain's start while this ran: what looked deleted was pruned. Once more.
  if (problems.length && !retried) {
    const now = await readHead();
    if (now && now.pruned_through_seq !== startSeq) return verifyChain(deps, organizationId, true);
  }
  // Checkpoints: each signed (seq, hash) must verify with the published key and match the chain.
  const keys = new Map(
    (await publicCheckpointKeys(deps, head?.environment_id ?? '')).keys.map((k) => [k.kid, k]),
  );
  for (const cp of checkpoints) {
    const problem = await checkCheckpoint(cp, keys, hashAt.get(cp.seq));
    if (problem) report({ kind: 'checkpoint', seq: cp.seq, event_id: null, message: problem });
  }
  return {
    object: 'audit_log_verification',
    organization_id: organizationId,
    verified: problems.length === 0,
    events_checked: checked,
    first_seq: first,
    last_seq: last,
    head_hash: head?.head_hash ?? genesisHash(organizationId),
    checkpoints_checked: checkpoints.length,
    problems,
  };
}

function columnsDiffer(row: AuditLogEventTable, body: ChainedEvent): string | null {
  if (row.organization_id !== body.organization_id) return 'organization_id';
  if (row.action !== body.action) return 'action';
  if (row.occurred_at !== body.occurred_at) return 'occurred_at';
  if (row.actor_id !== body.actor?.id) return 'actor_id';
  if (row.actor_name !== (body.actor?.name ?? null)) return 'actor_name';
  if (row.target_types !== targetTypesColumn(body.targets ?? [])) return 'target_types';
  return null;
}

async function checkCheckpoint(
  cp: { seq: number; hash: string; jws: string; organization_id: string },
  keys: Map<string | undefined, JWK>,
  chainHashAtSeq: string | undefined,
): Promise<string | null> {
  try {
    const kid = JSON.parse(Buffer.from(cp.jws.split('.')[0]!, 'base64url').toString('utf8')).kid as string;
    const jwk = keys.get(kid);
    if (!jwk) return `Checkpoint at seq ${cp.seq} is signed with unknown key ${kid}.`;
    const { payload } = await compactVerify(cp.jws, await importJWK(jwk, 'EdDSA'));
    const claims = JSON.parse(new TextDecoder().decode(payload)) as CheckpointClaims;
    if (claims.organization_id !== cp.organization_id || claims.seq !== cp.seq || claims.hash !== cp.hash)
      return `Checkpoint at seq ${cp.seq} was altered: its row differs from what was signed.`;
    if (chainHashAtSeq === undefined)
      return `Event seq ${cp.seq}, signed by a checkpoint, is missing from the chain.`;
    if (chainHashAtSeq !== claims.hash)
      return `The chain was rewritten: event seq ${cp.seq} no longer has the hash its signed checkpoint records.`;
    return null;
  } catch {
    return `Checkpoint at seq ${cp.seq} has an invalid signature.`;
  }
}

/** Locks nothing: the organizations that have a chain, for `portico audit verify` without --organization. */
export async function chainedOrganizations(deps: Deps, environmentId?: string): Promise<string[]> {
  let q = deps.db.selectFrom('audit_log_organizations').select('organization_id').orderBy('organization_id');
  if (environmentId) q = q.where('environment_id', '=', environmentId);
  return (await q.execute()).map((r) => r.organization_id);
}
