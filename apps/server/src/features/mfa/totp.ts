/**
 * TOTP (RFC 6238 over RFC 4226 HOTP) as authenticator apps implement it: SHA-1, six digits,
 * 30-second steps, a base32 secret of 20 random bytes, and the `otpauth://totp/Issuer:user?…`
 * key URI (Google Authenticator's "Key Uri Format") that the QR code encodes. A code is accepted
 * for the current step and one step either side (clock skew); the caller refuses a step at or
 * below the factor's last accepted one, so a code works once. Pure: time and randomness are
 * arguments.
 */
import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';

export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of the current one. */
export const TOTP_WINDOW = 1;

/** A new secret (base32, no padding) from 20 random bytes. */
export function newTotpSecret(bytes: Uint8Array): string {
  if (bytes.length < 20) throw new Error('a TOTP secret needs at least 20 random bytes');
  return new OTPAuth.Secret({ buffer: Uint8Array.from(bytes).buffer }).base32;
}

/** Whether `secret` is a usable base32 TOTP secret (an imported `totp_secret`). */
export function isTotpSecret(secret: string): boolean {
  if (!/^[A-Z2-7]+=*$/i.test(secret) || secret.replace(/=+$/, '').length < 16) return false;
  try {
    OTPAuth.Secret.fromBase32(secret.toUpperCase());
    return true;
  } catch {
    return false;
  }
}

function totp(secret: string, issuer = '', label = 'user') {
  return new OTPAuth.TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
    secret: OTPAuth.Secret.fromBase32(secret.toUpperCase()),
  });
}

/** The `otpauth://` URI an authenticator app reads. */
export function totpUri(secret: string, issuer: string, user: string): string {
  return totp(secret, issuer, user).toString();
}

/** The URI as a QR code, a `data:image/png;base64,…` URL (what WorkOS returns as `qr_code`). */
export function qrDataUrl(uri: string): Promise<string> {
  return QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
}

/** The time step of `now`. */
export function totpCounter(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_S);
}

/**
 * The time step `code` belongs to, within the skew window around `now`, or null when the code
 * matches none. Comparison is HMAC-based over a fixed set of steps, so time does not depend on
 * which step matched.
 */
export function matchTotp(secret: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secret).validate({ token: code, timestamp: now.getTime(), window: TOTP_WINDOW });
  return delta === null ? null : totpCounter(now) + delta;
}

/** The code for `now` (tests and the benchmark compute codes the way an authenticator does). */
export function totpCode(secret: string, now: Date): string {
  return totp(secret).generate({ timestamp: now.getTime() });
}
