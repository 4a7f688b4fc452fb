import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { createHarness, dialect } from '../harness.ts';

it('explain', async () => {
  const h = await createHarness();
  const db = h.portico.deps.db;
  const q = dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
  for (const where of [
    "organization_id = 'o' and environment_id = 'e' and occurred_at >= '2026' and occurred_at <= '2027' order by seq desc limit 26",
    "organization_id = 'o' and environment_id = 'e' and seq < 500 order by seq desc limit 26",
    "organization_id = 'o' and environment_id = 'e' and action in ('a','b') order by seq desc limit 26",
  ]) {
    const r = await sql.raw(`${q} select id from audit_log_events where ${where}`).execute(db);
    console.log(dialect, where, JSON.stringify(r.rows));
  }
  expect(1).toBe(1);
  await h.close();
});
