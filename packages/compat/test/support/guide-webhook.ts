/**
 * The integration guide's Directory Sync webhook handler, verbatim (../shared/seed's "Webhook for
 * directory events"), over the guide's `users` table in drizzle on an in-memory SQLite database.
 * Tests feed it what Portico delivers; the guide never checks the signature, so callers verify
 * with the SDK's `constructEvent` first, as WorkOS recommends.
 */
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull(),
  name: text('name').notNull(),
  orgId: text('org_id').notNull(),
});

/** A fresh app database with the guide's table, and its `POST` handler over it. */
export function guideApp(): {
  db: BetterSQLite3Database;
  sqlite: Database.Database;
  POST(req: Request): Promise<Response>;
} {
  const sqlite = new Database(':memory:');
  sqlite.exec(
    'create table users (id integer primary key autoincrement, email text not null, name text not null, org_id text not null)',
  );
  const db = drizzle(sqlite);
  // Webhook for directory events (verbatim from the guide)
  async function POST(req: Request) {
    const payload = await req.json();
    switch (payload.event) {
      case 'dsync.user.created':
        await db.insert(users).values({
          email: payload.data.emails[0].value,
          name: `${payload.data.first_name} ${payload.data.last_name}`,
          orgId: payload.data.directory_id,
        });
        break;
      case 'dsync.user.deleted':
        await db.delete(users).where(eq(users.email, payload.data.emails[0].value));
        break;
      case 'dsync.group.created':
        // Handle team/group provisioning
        break;
    }
    return new Response('OK');
  }
  return { db, sqlite, POST };
}
