/**
 * The IdP signing certificates of a SAML connection, and their renewal.
 *
 * - A connection trusts `saml_idp_certificates` (what the ACS verifies against). For a connection
 *   registered by metadata URL that set is the metadata's certificates **plus** the ones an admin
 *   added one at a time (`saml_added_certificates`: the next certificate, before the IdP
 *   publishes it). The 12-hour metadata refresh replaces only the metadata's share, so an added
 *   certificate stays trusted until it expires or an admin removes it — no hole when the IdP
 *   switches keys.
 * - The connection's *horizon* is its certificate that stays valid longest. From 90 days before
 *   the horizon expires, `connection.saml_certificate_renewal_required` is written at 90, 60, 30,
 *   14, 7, 3 and 1 days left, then every week once expired, until a later certificate is trusted;
 *   that writes `connection.saml_certificate_renewed` (WorkOS's "Cert renewal notification
 *   webhooks", with its payloads: `connection`, `certificate`, `days_until_expiry` / `renewed_at`).
 */
import { X509Certificate } from 'node:crypto';
import type { ConnectionTable } from '../../platform/schema.ts';

export const RENEWAL_WINDOW_DAYS = 90;
const REMINDERS = [90, 60, 30, 14, 7, 3, 1];
const DAY = 86_400_000;

export interface CertificateInfo {
  fingerprint_sha256: string;
  subject: string;
  not_before: string;
  not_after: string;
  expired: boolean;
  days_left: number;
}

/** Certificate facts an admin needs: who it names and when it stops working (null: not X.509). */
export function certificateInfo(der: string, now: Date): CertificateInfo | null {
  try {
    const x = new X509Certificate(Buffer.from(der, 'base64'));
    const notAfter = new Date(x.validTo);
    return {
      fingerprint_sha256: x.fingerprint256.replace(/:/g, '').toLowerCase(),
      subject: x.subject.replace(/\n/g, ', '),
      not_before: new Date(x.validFrom).toISOString(),
      not_after: notAfter.toISOString(),
      expired: notAfter.getTime() <= now.getTime(),
      days_left: Math.floor((notAfter.getTime() - now.getTime()) / DAY),
    };
  } catch {
    return null;
  }
}

/** Where a trusted certificate comes from, for the API, the dashboard and the portal. */
export type CertificateSource = 'metadata' | 'added' | 'configured';

export function trustedCertificates(c: ConnectionTable, now: Date) {
  const added = new Set(JSON.parse(c.saml_added_certificates) as string[]);
  return (JSON.parse(c.saml_idp_certificates) as string[]).flatMap((der) => {
    const info = certificateInfo(der, now);
    if (!info) return [];
    const source: CertificateSource = added.has(der)
      ? 'added'
      : c.saml_idp_metadata_url
        ? 'metadata'
        : 'configured';
    return [{ der, info, source }];
  });
}

/**
 * The trusted set after the IdP's metadata was (re)read: its certificates, then the added ones
 * that have not expired and that it does not publish yet (an expired added certificate is
 * dropped from both lists).
 */
export function mergeWithAdded(fromMetadata: string[], added: string[], now: Date) {
  // Once the IdP publishes an added certificate, the metadata governs it (and drops it later).
  const live = added.filter((der) => {
    const info = certificateInfo(der, now);
    return info !== null && !info.expired && !fromMetadata.includes(der);
  });
  return { trusted: [...new Set([...fromMetadata, ...live])], added: live };
}

/** The certificate that keeps the connection working longest. */
export function horizon(ders: string[], now: Date): CertificateInfo | null {
  let best: CertificateInfo | null = null;
  for (const der of ders) {
    const info = certificateInfo(der, now);
    if (info && (!best || info.not_after > best.not_after)) best = info;
  }
  return best;
}

/**
 * Which reminder is due for a horizon with `daysLeft` days left: null outside the 90-day window;
 * `d<N>` for the last of 90, 60, 30, 14, 7, 3, 1 reached; `expired-w<K>` each week after expiry.
 * A reminder is written when the bucket changes, so each is written once.
 */
export function reminderBucket(info: CertificateInfo): string | null {
  if (info.expired) return `expired-w${Math.floor(-info.days_left / 7)}`;
  if (info.days_left > RENEWAL_WINDOW_DAYS) return null;
  const reached = REMINDERS.filter((d) => info.days_left <= d);
  return `d${reached.at(-1) ?? RENEWAL_WINDOW_DAYS}`;
}

export function renewalRequiredData(c: ConnectionTable, info: CertificateInfo) {
  return {
    connection: { id: c.id, organization_id: c.organization_id },
    certificate: {
      certificate_type: 'ResponseSigning',
      expiry_date: info.not_after,
      is_expired: info.expired,
    },
    days_until_expiry: info.days_left,
  };
}

/** The same shape as the reminder (what a handler of both reads), and when it was renewed. */
export function renewedData(c: ConnectionTable, info: CertificateInfo, now: Date) {
  return { ...renewalRequiredData(c, info), renewed_at: now.toISOString() };
}
