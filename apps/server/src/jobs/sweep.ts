/**
 * Periodic clean-up of short-lived rows: expired idempotency keys, old rate-limit windows,
 * finished or expired authorization requests and codes, device (CLI) authorizations an hour after
 * they expire, spent refresh tokens of ended sessions,
 * the sealed successors that used refresh tokens keep for the reuse grace once it has passed,
 * dashboard sessions an hour after they end, and Admin Portal links a day after they expire (with
 * the portal sessions they opened; a refused link's page is still told apart by the token's MAC),
 * and finished emails (sent, failed, dev outbox) once PORTICO_EVENT_RETENTION_DAYS has passed since
 * their last attempt (the SMS dev outbox likewise), password resets, Magic Auth codes, email
 * verifications and MFA challenges a week after they expire (until then a late request says
 * "expired"), and pending sign-in steps, social and SSO flows, link codes, SSO codes and profile
 * tokens once they are of no use.
 * It applies each organization's audit log retention and signs a checkpoint of every audit log
 * chain that moved (features/audit-logs/chain.ts).
 * It also refreshes IdP metadata that is due and, hourly, writes the SAML certificate renewal
 * reminders that are due. Safe to run on every node at once: each statement is an idempotent
 * DELETE (or UPDATE to NULL), and each reminder is claimed by a conditional UPDATE.
 */
import { writeCheckpoints } from '../features/audit-logs/chain.ts';
import type { AuditLogService } from '../features/audit-logs/service.ts';
import type { EventService } from '../features/events/service.ts';
import type { ConnectionService } from '../features/sso/connections.ts';
import type { Deps } from '../platform/deps.ts';

export async function sweepOnce(
  deps: Deps,
  events?: EventService,
  connections?: ConnectionService,
  audit?: AuditLogService,
) {
  const now = deps.clock.now();
  const iso = now.toISOString();
  const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
  await deps.db.deleteFrom('idempotency_keys').where('expires_at', '<=', iso).execute();
  await deps.db
    .deleteFrom('rate_limits')
    .where('window_start', '<', now.getTime() - 3_600_000)
    .execute();
  await deps.db.deleteFrom('authorization_requests').where('expires_at', '<=', hourAgo).execute();
  await deps.db.deleteFrom('authorization_codes').where('expires_at', '<=', hourAgo).execute();
  await deps.db.deleteFrom('device_authorizations').where('expires_at', '<=', hourAgo).execute();
  await deps.db
    .updateTable('refresh_tokens')
    .set({ successor_sealed: null })
    .where('successor_sealed', 'is not', null)
    .where(
      'used_at',
      '<',
      new Date(now.getTime() - deps.config.refreshReuseGraceSeconds * 1000).toISOString(),
    )
    .execute();
  await deps.db.deleteFrom('saml_seen_assertions').where('expires_at', '<', iso).execute();
  await deps.db
    .deleteFrom('admin_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', hourAgo), eb('revoked_at', '<=', hourAgo)]))
    .execute();
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
  await deps.db.deleteFrom('portal_sessions').where('expires_at', '<=', hourAgo).execute();
  await deps.db.deleteFrom('portal_links').where('expires_at', '<=', dayAgo).execute();
  // Finished emails keep their sealed bodies only as long as events are kept (emails_due index).
  await deps.db
    .deleteFrom('emails')
    .where('status', 'in', ['sent', 'failed', 'dev_outbox'])
    .where(
      'next_attempt_at',
      '<',
      new Date(now.getTime() - deps.config.eventRetentionDays * 86_400_000).toISOString(),
    )
    .execute();
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000).toISOString();
  await deps.db.deleteFrom('password_resets').where('expires_at', '<=', weekAgo).execute();
  // Objects the API can still read by id (getMagicAuth, getEmailVerification, an MFA challenge
  // verified late) stay a week, so a late request hears "expired" rather than "not found".
  for (const table of ['magic_auths', 'email_verifications', 'auth_challenges'] as const)
    await deps.db.deleteFrom(table).where('expires_at', '<=', weekAgo).execute();
  // Sign-in steps in flight: an hour after they expire nothing can use or explain them.
  for (const table of [
    'pending_authentications',
    'oauth_flows',
    'oauth_link_codes',
    'sso_flows',
    'sso_codes',
  ] as const)
    await deps.db.deleteFrom(table).where('expires_at', '<=', hourAgo).execute();
  await deps.db.deleteFrom('sso_profile_tokens').where('expires_at', '<=', iso).execute();
  // The SMS dev outbox, like finished emails, is kept as long as events are.
  await deps.db
    .deleteFrom('sms_messages')
    .where(
      'created_at',
      '<',
      new Date(now.getTime() - deps.config.eventRetentionDays * 86_400_000).toISOString(),
    )
    .execute();
  await events?.sweep();
  // Audit logs: retention first (it appends its record to each chain it trims), then checkpoints.
  if (audit) {
    await audit.applyRetention();
    await writeCheckpoints(deps);
  }
  await connections?.refreshDueMetadata(12 * 3_600_000);
  // Certificate expiry moves by the day: once an hour is plenty (each reminder is written once).
  if (connections && connections.lastReminderRun <= now.getTime() - 3_600_000) {
    connections.lastReminderRun = now.getTime();
    await connections.remindCertificateRenewals();
  }
}

export function startSweeper(
  deps: Deps,
  events?: EventService,
  connections?: ConnectionService,
  audit?: AuditLogService,
  everyMs = 60_000,
) {
  const timer = setInterval(() => {
    sweepOnce(deps, events, connections, audit).catch((err) => deps.log.warn({ err }, 'sweep failed'));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
