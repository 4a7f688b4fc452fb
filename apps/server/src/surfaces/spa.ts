/**
 * Serves the two Vite-built single-page apps: the developer dashboard at
 * `/` and the Admin Portal at `/portal`, with their hashed assets under `/_app/assets/`. The
 * HTML carries a strict CSP: scripts and styles only from this origin, no inline code, JSON only
 * to this origin, no framing. Assets are immutable (their names carry a content hash).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';

const here = dirname(fileURLToPath(import.meta.url));
/**
 * Where the built apps are: the production build copies them beside the bundle (dist/web, also in
 * the packed package); from source (tests) they are in apps/dashboard/dist.
 */
export const SPA_DIST = existsSync(join(here, 'web', 'index.html'))
  ? join(here, 'web')
  : resolve(here, '../../../dashboard/dist');

export const SPA_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const cache = new Map<string, { body: Buffer; mtime: number }>();

function read(file: string): Buffer | null {
  if (!existsSync(file)) return null;
  const mtime = statSync(file).mtimeMs;
  const hit = cache.get(file);
  if (hit && hit.mtime === mtime) return hit.body;
  const body = readFileSync(file);
  cache.set(file, { body, mtime });
  return body;
}

/** Answers with one of the apps' HTML documents (index.html or portal.html). */
export function serveSpa(c: Context, page: 'index.html' | 'portal.html', dist = SPA_DIST) {
  c.header('Content-Security-Policy', SPA_CSP);
  c.header('X-Frame-Options', 'DENY');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cache-Control', 'no-store');
  const body = read(join(dist, page));
  if (!body) {
    return c.html(
      '<!doctype html><title>Not built</title><h1>The web apps are not built</h1>' +
        '<p>Run <code>npm run build -w apps/dashboard</code> (or <code>npm start</code>, which builds them) and reload.</p>',
      503,
    );
  }
  return c.html(body.toString('utf8'));
}

export function spaAssetRoutes(app: Hono, dist = SPA_DIST) {
  app.get('/_app/assets/:file', (c) => {
    const file = c.req.param('file');
    const type = TYPES[extname(file)];
    if (!/^[A-Za-z0-9._-]+$/.test(file) || !type) return c.notFound();
    const body = read(join(dist, 'assets', file));
    if (!body) return c.notFound();
    c.header('Content-Type', type);
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(new Uint8Array(body));
  });
}
