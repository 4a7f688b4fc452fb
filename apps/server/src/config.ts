/**
 * Typed configuration from the environment (DESIGN.md "Configuration"). One zod schema, frozen,
 * with loud development defaults: anything insecure is reported once at start-up.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  NODE_ENV: z.string().default('development'),
  PORTICO_DATABASE_URL: z
    .string()
    .default('sqlite:./.portico/portico.db')
    .refine((v) => v.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(v), {
      message: 'must be `sqlite:<path>` or `postgres://user@host:port/db`',
    }),
  PORTICO_PUBLIC_URL: z.string().url().optional(),
  PORTICO_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  PORTICO_API_KEY: z
    .string()
    .regex(
      /^sk_(test|live)_[A-Za-z0-9_-]{16,}$/,
      'must look like sk_test_… with at least 16 characters after the prefix',
    )
    .optional(),
  PORTICO_CLIENT_ID: z
    .string()
    .regex(/^client_[A-Za-z0-9]{10,}$/, 'must look like client_…')
    .optional(),
  PORTICO_REDIRECT_URIS: csv,
  /** The first dashboard admin, created at bootstrap when no admin exists. */
  PORTICO_ADMIN_EMAIL: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address')
    .default('admin@localhost'),
  PORTICO_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').max(1024).optional(),
  PORTICO_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORTICO_BODY_LIMIT: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Requests per 60 s per API key on the WorkOS API surface (reference §9). */
  PORTICO_RATE_LIMIT_API: z.coerce.number().int().positive().default(6000),
  /** Credential attempts per 60 s per email (reference §9: authenticate 10/60 s). */
  PORTICO_RATE_LIMIT_CREDENTIALS: z.coerce.number().int().positive().default(10),
  PORTICO_ACCESS_TOKEN_TTL: z.coerce.number().int().positive().default(300),
  PORTICO_SESSION_TTL_DAYS: z.coerce.number().int().positive().default(30),
  /** How long an impersonated session lasts (docs/impersonation.md). */
  PORTICO_IMPERSONATION_TTL_MINUTES: z.coerce.number().int().positive().max(1440).default(60),
  /** `off` refuses every new impersonation (docs/impersonation.md). */
  PORTICO_IMPERSONATION: z.enum(['on', 'off']).default('on'),
  /**
   * Seconds during which a refresh token already used may be presented again by the same client
   * (concurrent refreshes from one cookie) and gets the same successor; 0 turns the grace off.
   */
  PORTICO_REFRESH_REUSE_GRACE: z.coerce.number().int().min(0).max(300).default(10),
  PORTICO_DEVICE_CODE_TTL: z.coerce.number().int().min(60).max(3600).default(600),
  /** Fewest characters a new password may have (docs/password-reset.md "Password policy"). */
  PORTICO_PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(128).default(8),
  /** Lowest zxcvbn strength score (0–4) a new password must reach; 0 turns the estimate off. */
  PORTICO_PASSWORD_MIN_STRENGTH: z.coerce.number().int().min(0).max(4).default(2),
  PORTICO_VALIDATE_RESPONSES: z.enum(['0', '1', 'true', 'false']).optional(),
  PORTICO_EVENT_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  /** Delays between webhook attempts; the first attempt is immediate. */
  PORTICO_WEBHOOK_SCHEDULE: z.string().default('30s,2m,10m,30m,1h,2h,4h,8h,12h,16h,24h'),
  PORTICO_WEBHOOK_TIMEOUT: z.string().default('10s'),
  PORTICO_WEBHOOK_POLL: z.string().default('50ms'),
  PORTICO_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  PORTICO_WEBHOOK_DISABLE_AFTER: z.string().default('5d'),
  PORTICO_WEBHOOK_ALLOW_LOOPBACK: z.enum(['0', '1', 'true', 'false']).optional(),
  PORTICO_WEBHOOK_ALLOW_PRIVATE: z.enum(['0', '1', 'true', 'false']).optional(),
  /**
   * SMTP server for AuthKit emails: smtp://user:pass@host:587 (STARTTLS when offered) or
   * smtps://user:pass@host:465 (TLS). Unset: emails are kept in the dev outbox (docs/email.md).
   */
  PORTICO_SMTP_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || smtpUrlProblem(v) === null, {
      message: 'must be smtp://user:password@host:port or smtps://user:password@host:port',
    }),
  /** The From of every email unless the environment overrides it. */
  PORTICO_EMAIL_FROM: z
    .string()
    .default('Portico <no-reply@localhost>')
    .refine((v) => parseFromAddress(v) !== null, {
      message: "must be an address such as no-reply@example.com or 'Example <no-reply@example.com>'",
    }),
  /** Delays between email attempts after a failure; the first attempt is immediate. */
  PORTICO_EMAIL_SCHEDULE: z.string().default('10s,1m,5m,30m,2h'),
  /** How long one SMTP attempt may take (connect, greeting, each reply). */
  PORTICO_EMAIL_TIMEOUT: z.string().default('30s'),
  /** `in-process` runs webhook delivery inside `portico start`; `off` leaves it to `portico worker`. */
  PORTICO_WORKER: z.enum(['in-process', 'off']).default('in-process'),
  /**
   * Tests only (refused when NODE_ENV=production): JSON object of social-provider endpoint
   * overrides, e.g. {"GoogleOAuth":{"issuer":"http://127.0.0.1:4000"}} (docs/social-sign-in.md).
   */
  PORTICO_TEST_OAUTH_ENDPOINTS: z.string().optional(),
  /** Passkeys on for every environment without its own setting (docs/passkeys.md). */
  PORTICO_PASSKEYS: z.string().optional(),
  /** The WebAuthn relying-party id: the public URL's host unless set. */
  PORTICO_PASSKEY_RP_ID: z.string().trim().toLowerCase().optional(),
  /** Origins allowed to use passkeys (comma-separated): the public URL's origin unless set. */
  PORTICO_PASSKEY_ORIGINS: csv,
});

export interface Config {
  port: number;
  host: string;
  production: boolean;
  databaseUrl: string;
  publicUrl: string;
  secret: string;
  /** True when the secret was generated into the data folder (development only). */
  secretGenerated: boolean;
  apiKey?: string;
  clientId?: string;
  redirectUris: string[];
  /** The first dashboard admin's email (PORTICO_ADMIN_EMAIL). */
  adminEmail: string;
  /** The first dashboard admin's password; generated and printed once when unset. */
  adminPassword?: string;
  logLevel: string;
  bodyLimit: number;
  rateLimitApi: number;
  rateLimitCredentials: number;
  accessTokenTtlSeconds: number;
  sessionTtlDays: number;
  /** PORTICO_IMPERSONATION_TTL_MINUTES: the lifetime of an impersonated session. */
  impersonationTtlMinutes: number;
  /** PORTICO_IMPERSONATION: whether dashboard admins may impersonate users. */
  impersonation: 'on' | 'off';
  /** PORTICO_REFRESH_REUSE_GRACE: the refresh-token reuse grace in seconds (0: none). */
  refreshReuseGraceSeconds: number;
  /** PORTICO_DEVICE_CODE_TTL: how long a device authorization (CLI sign-in) lives, in seconds. */
  deviceCodeTtlSeconds: number;
  /** PORTICO_PASSWORD_MIN_LENGTH / PORTICO_PASSWORD_MIN_STRENGTH (features/users/password-policy.ts). */
  passwordPolicy: { minLength: number; minStrength: number };
  /** Check every JSON response against its route contract (tests turn this on). */
  validateResponses: boolean;
  eventRetentionDays: number;
  webhooks: {
    scheduleMs: number[];
    timeoutMs: number;
    pollMs: number;
    concurrency: number;
    disableAfterMs: number;
    allowLoopback: boolean;
    allowPrivate: boolean;
  };
  email: {
    /** PORTICO_SMTP_URL; null: the dev outbox. */
    smtpUrl: string | null;
    from: string;
    scheduleMs: number[];
    timeoutMs: number;
  };
  worker: 'in-process' | 'off';
  /** PORTICO_TEST_OAUTH_ENDPOINTS: per-provider endpoint overrides (tests; never in production). */
  testOAuthEndpoints: Record<string, Record<string, string>> | null;
  /** Passkey defaults for environments without their own passkey_settings row. */
  passkeys: { enabled: boolean; rpId: string; origins: string[] };
  warnings: string[];
}

export class ConfigError extends Error {}

function flag(v: string | undefined, fallback: boolean) {
  return v === undefined ? fallback : v === '1' || v === 'true';
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `500ms`, `30s`, `2m`, `1h`, `5d` (comma-separated lists too). */
export function durations(name: string, value: string): number[] {
  const out = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(s);
      if (!m)
        throw new ConfigError(
          `Invalid configuration:\n  ${name}: '${s}' is not a duration such as 500ms, 30s, 2m, 1h or 5d`,
        );
      return Math.round(Number(m[1]) * UNITS[m[2]!]!);
    });
  if (out.length === 0)
    throw new ConfigError(`Invalid configuration:\n  ${name}: at least one duration is required`);
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const warnings: string[] = [];
  let secret = e.PORTICO_SECRET;
  let secretGenerated = false;
  if (!secret) {
    if (production) {
      throw new ConfigError(
        'PORTICO_SECRET is required when NODE_ENV=production: set it to 32+ random characters (openssl rand -base64 48).',
      );
    }
    secret = developmentSecret(e.PORTICO_DATABASE_URL);
    secretGenerated = true;
    warnings.push('PORTICO_SECRET is not set: using a development secret stored in the data folder.');
  }
  if (production && !e.PORTICO_SMTP_URL) {
    warnings.push(
      'PORTICO_SMTP_URL is not set in production: AuthKit emails are kept in the database (dev outbox), not sent.',
    );
  }
  let testOAuthEndpoints: Record<string, Record<string, string>> | null = null;
  if (e.PORTICO_TEST_OAUTH_ENDPOINTS) {
    if (production)
      throw new ConfigError(
        'PORTICO_TEST_OAUTH_ENDPOINTS is for tests only and is refused when NODE_ENV=production: unset it.',
      );
    try {
      testOAuthEndpoints = JSON.parse(e.PORTICO_TEST_OAUTH_ENDPOINTS);
    } catch {
      throw new ConfigError(
        'PORTICO_TEST_OAUTH_ENDPOINTS must be a JSON object such as {"GoogleOAuth":{"issuer":"http://127.0.0.1:4000"}}.',
      );
    }
    warnings.push(
      'PORTICO_TEST_OAUTH_ENDPOINTS is set: social sign-in talks to test stand-ins, not the providers.',
    );
  }
  const publicUrl = (e.PORTICO_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  if (production && publicUrl.startsWith('http://')) {
    warnings.push('PORTICO_PUBLIC_URL is http:// in production: cookies will not be marked Secure.');
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    production,
    databaseUrl: e.PORTICO_DATABASE_URL,
    publicUrl,
    secret,
    secretGenerated,
    apiKey: e.PORTICO_API_KEY,
    clientId: e.PORTICO_CLIENT_ID,
    redirectUris: e.PORTICO_REDIRECT_URIS,
    adminEmail: e.PORTICO_ADMIN_EMAIL,
    adminPassword: e.PORTICO_ADMIN_PASSWORD,
    logLevel: e.PORTICO_LOG_LEVEL,
    bodyLimit: e.PORTICO_BODY_LIMIT,
    rateLimitApi: e.PORTICO_RATE_LIMIT_API,
    rateLimitCredentials: e.PORTICO_RATE_LIMIT_CREDENTIALS,
    accessTokenTtlSeconds: e.PORTICO_ACCESS_TOKEN_TTL,
    sessionTtlDays: e.PORTICO_SESSION_TTL_DAYS,
    impersonationTtlMinutes: e.PORTICO_IMPERSONATION_TTL_MINUTES,
    impersonation: e.PORTICO_IMPERSONATION,
    refreshReuseGraceSeconds: e.PORTICO_REFRESH_REUSE_GRACE,
    deviceCodeTtlSeconds: e.PORTICO_DEVICE_CODE_TTL,
    passwordPolicy: {
      minLength: e.PORTICO_PASSWORD_MIN_LENGTH,
      minStrength: e.PORTICO_PASSWORD_MIN_STRENGTH,
    },
    validateResponses: flag(e.PORTICO_VALIDATE_RESPONSES, false),
    eventRetentionDays: e.PORTICO_EVENT_RETENTION_DAYS,
    webhooks: {
      scheduleMs: durations('PORTICO_WEBHOOK_SCHEDULE', e.PORTICO_WEBHOOK_SCHEDULE),
      timeoutMs: durations('PORTICO_WEBHOOK_TIMEOUT', e.PORTICO_WEBHOOK_TIMEOUT)[0]!,
      pollMs: durations('PORTICO_WEBHOOK_POLL', e.PORTICO_WEBHOOK_POLL)[0]!,
      concurrency: e.PORTICO_WEBHOOK_CONCURRENCY,
      disableAfterMs: durations('PORTICO_WEBHOOK_DISABLE_AFTER', e.PORTICO_WEBHOOK_DISABLE_AFTER)[0]!,
      allowLoopback: flag(e.PORTICO_WEBHOOK_ALLOW_LOOPBACK, !production),
      allowPrivate: flag(e.PORTICO_WEBHOOK_ALLOW_PRIVATE, false),
    },
    email: {
      smtpUrl: e.PORTICO_SMTP_URL ? e.PORTICO_SMTP_URL : null,
      from: e.PORTICO_EMAIL_FROM,
      scheduleMs: durations('PORTICO_EMAIL_SCHEDULE', e.PORTICO_EMAIL_SCHEDULE),
      timeoutMs: durations('PORTICO_EMAIL_TIMEOUT', e.PORTICO_EMAIL_TIMEOUT)[0]!,
    },
    worker: e.PORTICO_WORKER,
    testOAuthEndpoints,
    passkeys: Object.freeze({
      enabled: flag(e.PORTICO_PASSKEYS, false),
      rpId: e.PORTICO_PASSKEY_RP_ID || new URL(publicUrl).hostname,
      origins: e.PORTICO_PASSKEY_ORIGINS.length ? e.PORTICO_PASSKEY_ORIGINS : [new URL(publicUrl).origin],
    }),
    warnings,
  });
}

/** Why an SMTP URL cannot be used, or null. */
export function smtpUrlProblem(value: string): string | null {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') return 'the scheme must be smtp:// or smtps://';
  if (!u.hostname) return 'no host';
  if (u.password && !u.username) return 'a password without a user name';
  return null;
}

/** `addr@host` or `Name <addr@host>` → its parts, or null. */
export function parseFromAddress(value: string): { name: string | null; address: string } | null {
  const v = value.trim();
  if (v.length > 320 || /[\r\n\0]/.test(v)) return null;
  const addr = /^[^\s@<>",;]+@[^\s@<>",;]+$/;
  const m = /^(.*?)\s*<([^<>]+)>$/.exec(v);
  if (m) {
    const name = m[1]!.trim().replace(/^"(.*)"$/, '$1');
    return addr.test(m[2]!) && !/[<>]/.test(name) ? { name: name || null, address: m[2]! } : null;
  }
  return addr.test(v) ? { name: null, address: v } : null;
}

/** In development the master key lives beside the SQLite file (or in ./.portico for PostgreSQL). */
function developmentSecret(databaseUrl: string): string {
  const folder = databaseUrl.startsWith('sqlite:')
    ? dirname(resolve(databaseUrl.slice('sqlite:'.length) || './.portico/portico.db'))
    : resolve('.portico');
  const file = resolve(folder, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(folder, { recursive: true });
  // Several processes may start at once on a fresh folder: each writes its candidate to a file of
  // its own and links it into place, which succeeds for one of them only (the file appears whole);
  // the others read the winner's, so every process seals and opens with the same key.
  const value = randomBytes(48).toString('base64url');
  const candidate = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(candidate, `${value}\n`, { mode: 0o600 });
  try {
    linkSync(candidate, file);
    return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFileSync(file, 'utf8').trim();
  } finally {
    rmSync(candidate, { force: true });
  }
}
