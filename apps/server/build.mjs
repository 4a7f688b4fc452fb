#!/usr/bin/env node
/**
 * The production build of the `portico` package: the server's TypeScript (with the pure protocol
 * packages @portico/saml and @portico/scim inlined) bundled by esbuild into dist/portico.js, and the
 * Vite-built web apps (apps/dashboard/dist) copied beside it into dist/web. The JSX runtime is
 * fixed here (automatic, hono/jsx), so nothing at run time depends on a tsconfig lookup or the
 * working directory. npm dependencies stay external: each one the bundle imports must be declared
 * in this package's `dependencies`, or the build fails (a packed install would miss it).
 *
 *   node apps/server/build.mjs          build once
 *   node apps/server/build.mjs --check  exit 1 when the build is missing or older than its sources
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const out = join(here, 'dist');
const bundle = join(out, 'portico.js');
const webSource = join(root, 'apps/dashboard/dist');

/** Everything the bundle is made of: a change to any of these makes the build stale. */
export const SOURCES = [
  join(here, 'src'),
  join(here, 'migrations'),
  join(here, 'package.json'),
  join(here, 'build.mjs'),
  join(root, 'packages/saml/src'),
  join(root, 'packages/scim/src'),
  join(webSource, 'index.html'),
];

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)));
  return t;
}

export function isStale() {
  if (!existsSync(bundle) || !existsSync(join(out, 'web', 'index.html'))) return true;
  const built = statSync(bundle).mtimeMs;
  return SOURCES.some((s) => newest(s) > built);
}

export async function buildServer() {
  const { build } = await import('esbuild');
  const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
  const declared = new Set(Object.keys(pkg.dependencies ?? {}));
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const used = new Set();
  const undeclared = new Set();
  /** npm packages stay external (installed beside the bundle); our workspace packages are inlined. */
  const externals = {
    name: 'portico-externals',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@portico/')) return undefined;
        if (builtins.has(args.path)) return { path: args.path, external: true };
        const name = args.path.startsWith('@')
          ? args.path.split('/').slice(0, 2).join('/')
          : args.path.split('/')[0];
        used.add(name);
        if (!declared.has(name)) undeclared.add(`${name} (imported by ${relative(root, args.importer)})`);
        return { path: args.path, external: true };
      });
    },
  };
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: [join(here, 'src/main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx',
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [externals],
  });
  if (undeclared.size) {
    rmSync(out, { recursive: true, force: true });
    throw new Error(
      `the server imports packages that apps/server/package.json does not declare: ${[...undeclared].join(', ')}. Add them to "dependencies" (exact versions).`,
    );
  }
  if (!existsSync(join(webSource, 'index.html'))) {
    throw new Error('the web apps are not built: run `npm run build -w apps/dashboard` first.');
  }
  cpSync(webSource, join(out, 'web'), { recursive: true });
  return { bundle, imports: [...used].sort() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) process.exit(isStale() ? 1 : 0);
  try {
    const r = await buildServer();
    console.log(`portico: built ${relative(root, r.bundle)} (${r.imports.length} npm dependencies external)`);
  } catch (err) {
    console.error(`portico: the server build failed: ${err.message}`);
    process.exit(1);
  }
}
