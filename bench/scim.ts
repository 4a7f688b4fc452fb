/**
 * SCIM provisioning benchmark (issue 5): provision users and groups the way Entra does (POST each
 * user with the enterprise extension, then create groups and add members in PATCH batches) into
 * one `portico start` process on SQLite, and report SCIM writes per second with events included.
 * The server is pinned to one CPU with taskset when available; the client runs on the other.
 * Bounded by the counts (default 10,000 users, 100 groups) and a 5-minute watchdog; 127.0.0.1 only.
 *
 *   node --import tsx bench/scim.ts [--users 10000 --groups 100] [--no-write]
 *
 * Peers (better-auth's SCIM plugin, Jackson's SCIM) are not measured yet.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendResults, machine } from './lib/report.ts';
import { freePort, headSnapshot, ROOT, startServer } from './lib/server.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const USERS = arg('users', 10_000);
const GROUPS = arg('groups', 100);
const CONCURRENCY = 16;
const API_KEY = `sk_test_bench${randomBytes(12).toString('hex')}`;
const watchdog = setTimeout(() => {
  console.error('bench/scim.ts: watchdog after 5 minutes');
  process.exit(2);
}, 300_000);

async function pool<T>(items: T[], fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function main() {
  const m = machine(); // before pinning this process to one CPU
  const snapshot = headSnapshot();
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-scim-'));
  const taskset = spawnSync('which', ['taskset']).status === 0;
  const port = await freePort();
  const server = await startServer({
    serverSrc: snapshot.src,
    env: {
      PORT: String(port),
      PORTICO_DATABASE_URL: `sqlite:${join(dir, 'scim.db')}`,
      PORTICO_SECRET: 'bench-secret-bench-secret-bench-secret',
      PORTICO_API_KEY: API_KEY,
      PORTICO_CLIENT_ID: 'client_01BENCHSCIM00000000000000',
      PORTICO_LOG_LEVEL: 'warn',
      PORTICO_RATE_LIMIT_API: '100000000',
    },
  });
  if (taskset) spawnSync('taskset', ['-a', '-p', '-c', '1', String(server.pid)]);
  if (taskset) spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)]);
  const api = async (path: string, body: unknown) => {
    const r = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await r.json()) as Record<string, unknown>;
  };
  try {
    const org = await api('/organizations', {
      name: 'Bench Corp',
      domain_data: [{ domain: 'bench.example', state: 'verified' }],
    });
    const created = await api('/directories', {
      organization_id: org.id,
      name: 'Entra',
      type: 'azure scim v2.0',
    });
    const base = (created.scim as { base_url: string; bearer_token: string }).base_url.replace(
      /^http:\/\/localhost:\d+/,
      server.url,
    );
    const token = (created.scim as { bearer_token: string }).bearer_token;
    const headers = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/scim+json',
      'user-agent': 'Azure AD SCIM Client',
    };
    let writes = 0;
    let failures = 0;
    const cpu0 = server.cpuSeconds();
    const started = performance.now();
    const ids: string[] = [];
    await pool(
      Array.from({ length: USERS }, (_, i) => i),
      async (i) => {
        const res = await fetch(`${base}/Users`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            schemas: [
              'urn:ietf:params:scim:schemas:core:2.0:User',
              'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
            ],
            externalId: `entra-${i}`,
            userName: `user${i}@bench.example`,
            active: 'True',
            displayName: `User ${i}`,
            name: { givenName: 'User', familyName: String(i) },
            emails: [{ primary: true, type: 'work', value: `user${i}@bench.example` }],
            title: 'Engineer',
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
              department: `Dept ${i % 20}`,
              employeeNumber: String(i),
            },
          }),
        });
        writes++;
        if (res.status === 201) ids.push(((await res.json()) as { id: string }).id);
        else {
          failures++;
          await res.arrayBuffer();
        }
      },
    );
    const usersSeconds = (performance.now() - started) / 1000;
    const groupStarted = performance.now();
    await pool(
      Array.from({ length: GROUPS }, (_, i) => i),
      async (g) => {
        const res = await fetch(`${base}/Groups`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
            externalId: `g-${g}`,
            displayName: `Group ${g}`,
          }),
        });
        writes++;
        const groupId = ((await res.json()) as { id: string }).id;
        const members = ids.filter((_, i) => i % GROUPS === g);
        for (let i = 0; i < members.length; i += 50) {
          const r = await fetch(`${base}/Groups/${groupId}`, {
            method: 'PATCH',
            headers,
            body: JSON.stringify({
              schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
              Operations: [
                { op: 'Add', path: 'members', value: members.slice(i, i + 50).map((value) => ({ value })) },
              ],
            }),
          });
          writes++;
          if (r.status !== 200) failures++;
          await r.arrayBuffer();
        }
      },
    );
    const total = (performance.now() - started) / 1000;
    const cpu = server.cpuSeconds() - cpu0;
    const rows = [
      `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — SCIM provisioning (Entra-style) into Portico`,
      '',
      `Machine: ${m.cpu}, ${m.cores} cores, Node ${process.version}. Server: ${snapshot.label}, SQLite${taskset ? ', pinned to CPU 1 (client on CPU 0)' : ''}. Command: \`node --import tsx bench/scim.ts\`. ${USERS} users (POST with the enterprise extension, Entra's "True"), ${GROUPS} groups, members added by PATCH in batches of 50, ${CONCURRENCY} requests in flight. Every write also writes its dsync.* events (user created; group created; one user_added per member).`,
      '',
      '| Phase | SCIM writes | seconds | writes/s | server CPU-seconds |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| Users | ${USERS} | ${usersSeconds.toFixed(1)} | **${Math.round(USERS / usersSeconds)}** | – |`,
      `| Groups + membership PATCHes | ${writes - USERS} | ${((performance.now() - groupStarted) / 1000).toFixed(1)} | ${Math.round((writes - USERS) / ((performance.now() - groupStarted) / 1000))} | – |`,
      `| All | ${writes} | ${total.toFixed(1)} | **${Math.round(writes / total)}** | ${cpu.toFixed(1)} |`,
      '',
      `Failures: ${failures}. Target ≥ 1,000 SCIM writes/s on one core with SQLite, events included: ${Math.round(USERS / usersSeconds) >= 1000 ? 'met' : '**not met**'} for user writes (${Math.round(USERS / usersSeconds)}/s). Peers (better-auth's SCIM plugin, Jackson's SCIM) not measured yet.`,
      '',
    ];
    console.log(rows.join('\n'));
    if (!process.argv.includes('--no-write'))
      appendResults(join(ROOT, 'bench', 'RESULTS.md'), rows.join('\n'));
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    snapshot.cleanup();
    clearTimeout(watchdog);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
