/**
 * A snapshot of the committed server *and* the workspace package it validates SAML with
 * (`git archive HEAD apps/server packages/saml`), under bench/.snapshot. headSnapshot() in
 * server.ts archives apps/server only, so there `@portico/saml` resolves to the working tree's
 * packages/saml through the root node_modules; here a node_modules/@portico/saml link inside the
 * snapshot makes the server (and the bench's response builder) use the committed package.
 * Third-party modules still resolve from the root node_modules.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT } from './server.ts';

export interface Snapshot {
  /** apps/server/src of the snapshot (or of the working tree). */
  src: string;
  /** packages/saml/src/index.ts of the same source. */
  samlEntry: string;
  label: string;
  cleanup(): void;
}

export function ssoSnapshot(source: 'head' | 'worktree'): Snapshot {
  const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  if (source === 'worktree') {
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps/server', 'packages/saml'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return {
      src: join(ROOT, 'apps', 'server', 'src'),
      samlEntry: join(ROOT, 'packages', 'saml', 'src', 'index.ts'),
      label: `working tree at ${sha}${dirty ? ' with uncommitted changes in apps/server or packages/saml' : ''}`,
      cleanup() {},
    };
  }
  const dir = resolve(ROOT, 'bench', '.snapshot', `${sha}-sso-${randomBytes(3).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', 'HEAD', 'apps/server', 'packages/saml'], {
    cwd: ROOT,
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  mkdirSync(join(dir, 'node_modules', '@portico'), { recursive: true });
  symlinkSync(join('..', '..', 'packages', 'saml'), join(dir, 'node_modules', '@portico', 'saml'));
  return {
    src: join(dir, 'apps', 'server', 'src'),
    samlEntry: join(dir, 'packages', 'saml', 'src', 'index.ts'),
    label: `commit ${sha} (snapshot of HEAD: apps/server and packages/saml)`,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
