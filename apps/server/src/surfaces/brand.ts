/**
 * An environment's branding on its hosted pages (docs/user-management.md, "Branding"). The one
 * source is the environment's branding settings — the same display name, logo URL and colour its
 * emails use (`/_admin/email_settings`, columns `email_brand_name`, `email_logo_url`,
 * `email_brand_color`) — so a change shows in emails and pages alike.
 *
 * Invariants:
 * - Nothing reaches CSS unless it matched `#rrggbb` here; the stylesheet only sets custom
 *   properties, and is a pure function of the validated colour.
 * - Colours follow WCAG 2.1 contrast (§1.4.3, relative luminance per its definition): button text is
 *   white or near-black, whichever reaches 4.5:1 on the colour; the colour is used as text (links,
 *   secondary buttons) only where it reaches 4.5:1 on the card, else the default stays.
 * - A logo is shown only from an https:// URL, and the page's CSP img-src widens to that origin
 *   alone; any other logo URL (http://, kept for emails in development) is not shown on pages.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../platform/db.ts';
import type { EnvironmentTable } from '../platform/schema.ts';

export const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

/** The default look's colours (surfaces/page-layout.tsx STYLES uses the same). */
export const DEFAULT_BRAND = { fill: '#1d4ed8', fillText: '#ffffff', ink: '#1d4ed8', inkDark: '#93b4ff' };
const CARD_LIGHT = '#ffffff';
const CARD_DARK = '#1c1c1f';
const TEXT_DARK = '#111111';
const AA = 4.5;

export interface PageBrand {
  clientId: string;
  /** The display name: the branding name, else the environment's name. */
  name: string;
  /** Shown in the header (name or logo set by the developer); otherwise only the colour applies. */
  header: boolean;
  /** An https:// logo URL, or null. */
  logoUrl: string | null;
  logoOrigin: string | null;
  /** A validated lower-case `#rrggbb`, or null (the default look). */
  color: string | null;
}

function luminance(hex: string): number {
  const ch = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * ch[0]! + 0.7152 * ch[1]! + 0.0722 * ch[2]!;
}

/** The WCAG contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

export interface BrandColors {
  /** Button background. */
  fill: string;
  /** Button text on `fill`. */
  fillText: string;
  /** The colour as text on the light card (links, secondary buttons, focus ring). */
  ink: string;
  /** The same on the dark card (prefers-color-scheme: dark). */
  inkDark: string;
}

/** The colours a brand colour gives the pages; the default for anything that fails AA. */
export function brandColors(color: string | null): BrandColors {
  if (!color || !HEX_COLOR.test(color)) return { ...DEFAULT_BRAND };
  const c = color.toLowerCase();
  const onWhite = contrast(c, CARD_LIGHT);
  const onBlack = contrast(c, TEXT_DARK);
  const fillText = onWhite >= onBlack ? '#ffffff' : TEXT_DARK;
  const fillOk = Math.max(onWhite, onBlack) >= AA;
  return {
    fill: fillOk ? c : DEFAULT_BRAND.fill,
    fillText: fillOk ? fillText : DEFAULT_BRAND.fillText,
    ink: onWhite >= AA ? c : DEFAULT_BRAND.ink,
    inkDark: contrast(c, CARD_DARK) >= AA ? c : DEFAULT_BRAND.inkDark,
  };
}

/** The per-environment stylesheet: custom properties only (page-layout STYLES reads them). */
export function brandStylesheet(color: string | null): string {
  const k = brandColors(color);
  return (
    `:root{--brand:${k.fill};--brand-text:${k.fillText};--brand-ink:${k.ink}}\n` +
    `@media (prefers-color-scheme:dark){:root{--brand-ink:${k.inkDark}}}\n`
  );
}

/** The stylesheet's ETag (also its cache-busting version in the page's link). */
export function brandEtag(color: string | null): string {
  return `"${createHash('sha256').update(brandStylesheet(color)).digest('base64url').slice(0, 16)}"`;
}

function httpsOrigin(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

export function pageBrandOf(
  env: Pick<
    EnvironmentTable,
    'client_id' | 'name' | 'email_brand_name' | 'email_logo_url' | 'email_brand_color'
  >,
): PageBrand {
  const logoOrigin = httpsOrigin(env.email_logo_url);
  const color = env.email_brand_color && HEX_COLOR.test(env.email_brand_color) ? env.email_brand_color : null;
  return {
    clientId: env.client_id,
    name: env.email_brand_name || env.name,
    header: !!(env.email_brand_name || logoOrigin),
    logoUrl: logoOrigin ? env.email_logo_url : null,
    logoOrigin,
    color: color?.toLowerCase() ?? null,
  };
}

const COLUMNS = ['client_id', 'name', 'email_brand_name', 'email_logo_url', 'email_brand_color'] as const;

/** An environment's page branding by id (null: no such environment, so the default look). */
export async function loadPageBrand(db: Queryable, environmentId: string): Promise<PageBrand | null> {
  const env = await db
    .selectFrom('environments')
    .select(COLUMNS)
    .where('id', '=', environmentId)
    .executeTakeFirst();
  return env ? pageBrandOf(env) : null;
}

/** The same by public client id (the stylesheet's URL names the client id). */
export async function loadPageBrandByClientId(db: Queryable, clientId: string): Promise<PageBrand | null> {
  const env = await db
    .selectFrom('environments')
    .select(COLUMNS)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return env ? pageBrandOf(env) : null;
}
