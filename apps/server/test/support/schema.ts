/**
 * What the migrations built, read back from the database's own catalog (SQLite's PRAGMAs,
 * PostgreSQL's pg_catalog), in one shape for both dialects: per table its columns (declared type,
 * nullability, default expression, identity/autoincrement), primary key, unique constraints,
 * indexes (columns in order, uniqueness) and foreign keys (columns, target, ON DELETE).
 *
 * `introspect` reports each dialect in its own terms (PostgreSQL writes a default as `'{}'::text`,
 * SQLite as `'{}'`), for the per-dialect snapshots. `portable` removes exactly the differences
 * that are spelling, not meaning, so the two dialects can be compared with each other.
 */
import { sql } from 'kysely';
import type { DatabaseHandle } from '../../src/platform/db.ts';

/**
 * One table, one line per fact, so a snapshot reads like a schema:
 * - columns: `text not null default '{}'`, `bigint not null identity`, `text null`;
 * - primaryKey and each unique constraint: `(a, b)`;
 * - indexes (CREATE INDEX, not the ones behind constraints): name → `(a, b)` or `unique (a, b)`;
 * - foreignKeys: `a → table(b) on delete cascade`.
 */
export interface TableShape {
  columns: Record<string, string>;
  primaryKey: string;
  uniques: string[];
  indexes: Record<string, string>;
  foreignKeys: string[];
}

export type SchemaShape = Record<string, TableShape>;

const list = (columns: string[]) => `(${columns.join(', ')})`;
const column = (c: { type: string; nullable: boolean; default: string | null; generated?: string }) =>
  [
    c.type,
    c.nullable ? 'null' : 'not null',
    c.default === null ? '' : `default ${c.default}`,
    c.generated ?? '',
  ]
    .filter(Boolean)
    .join(' ');
const foreignKey = (columns: string[], table: string, to: string[], onDelete: string) =>
  `${columns.join(', ')} → ${table}${list(to)} on delete ${onDelete.toLowerCase()}`;

const sortedKeys = <T>(o: Record<string, T>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
const MIGRATION_TABLES = ['portico_migrations', 'portico_migrations_lock'];

export async function introspect(handle: DatabaseHandle): Promise<SchemaShape> {
  const shape = handle.dialect === 'sqlite' ? await sqlite(handle) : await postgres(handle);
  return sortedKeys(shape);
}

async function sqlite({ db }: DatabaseHandle): Promise<SchemaShape> {
  const q = async <T>(text: string) => (await sql<T>`${sql.raw(text)}`.execute(db)).rows;
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const tables = await q<{ name: string; sql: string }>(
    "select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
  );
  const out: SchemaShape = {};
  for (const t of tables) {
    if (MIGRATION_TABLES.includes(t.name)) continue;
    const cols = await q<{
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }>(`select * from pragma_table_info(${lit(t.name)})`);
    const columns: Record<string, string> = {};
    for (const c of cols) {
      const autoincrement = new RegExp(`"${c.name}"[^,]*\\bautoincrement\\b`, 'i').test(t.sql);
      columns[c.name] = column({
        type: c.type.toLowerCase(),
        // SQLite lets a non-INTEGER primary key hold NULL unless NOT NULL is declared: report as declared.
        nullable: c.notnull === 0,
        default: c.dflt_value,
        generated: autoincrement ? 'autoincrement' : undefined,
      });
    }
    const primaryKey = list(
      cols
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
    );
    const uniques: string[] = [];
    const indexes: Record<string, string> = {};
    const ixs = await q<{ name: string; unique: number; origin: string }>(
      `select * from pragma_index_list(${lit(t.name)})`,
    );
    for (const ix of ixs) {
      const columnsOf = (
        await q<{ seqno: number; name: string }>(`select * from pragma_index_info(${lit(ix.name)})`)
      )
        .sort((a, b) => a.seqno - b.seqno)
        .map((c) => c.name);
      if (ix.origin === 'u') uniques.push(list(columnsOf));
      else if (ix.origin === 'c') indexes[ix.name] = `${ix.unique === 1 ? 'unique ' : ''}${list(columnsOf)}`;
      // origin 'pk': the index behind a non-INTEGER primary key, reported as primaryKey.
    }
    const fks = await q<{
      id: number;
      seq: number;
      table: string;
      from: string;
      to: string;
      on_delete: string;
    }>(`select * from pragma_foreign_key_list(${lit(t.name)})`);
    const grouped = new Map<number, typeof fks>();
    for (const fk of fks) grouped.set(fk.id, [...(grouped.get(fk.id) ?? []), fk]);
    const foreignKeys = [...grouped.values()].map((parts) => {
      parts.sort((a, b) => a.seq - b.seq);
      return foreignKey(
        parts.map((p) => p.from),
        parts[0]!.table,
        parts.map((p) => p.to),
        parts[0]!.on_delete,
      );
    });
    out[t.name] = {
      columns: sortedKeys(columns),
      primaryKey,
      uniques: uniques.sort(),
      indexes: sortedKeys(indexes),
      foreignKeys: foreignKeys.sort(),
    };
  }
  return out;
}

const PG_ON_DELETE: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

async function postgres({ db }: DatabaseHandle): Promise<SchemaShape> {
  const cols = (
    await sql<{
      table_name: string;
      column_name: string;
      data_type: string;
      is_nullable: string;
      column_default: string | null;
      is_identity: string;
    }>`select table_name, column_name, data_type, is_nullable, column_default, is_identity
       from information_schema.columns where table_schema = 'public'`.execute(db)
  ).rows;
  // Constraints and indexes, with their columns in key order.
  const constraints = (
    await sql<{
      table: string;
      type: string;
      columns: string[];
      target: string | null;
      target_columns: string[] | null;
      on_delete: string;
    }>`
      select c.conrelid::regclass::text as table, c.contype as type,
             array(select a.attname::text from unnest(c.conkey) with ordinality k(n, i)
                   join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i) as columns,
             c.confrelid::regclass::text as target,
             array(select a.attname::text from unnest(c.confkey) with ordinality k(n, i)
                   join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i) as target_columns,
             c.confdeltype as on_delete
      from pg_constraint c join pg_namespace n on n.oid = c.connamespace
      where n.nspname = 'public' and c.contype in ('p', 'u', 'f')`.execute(db)
  ).rows;
  const indexes = (
    await sql<{ table: string; name: string; unique: boolean; columns: string[] }>`
      select t.relname as table, i.relname as name, x.indisunique as unique,
             array(select a.attname::text from unnest(x.indkey) with ordinality k(n, o)
                   join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.n order by k.o) as columns
      from pg_index x
      join pg_class i on i.oid = x.indexrelid
      join pg_class t on t.oid = x.indrelid
      join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'public'
        and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)`.execute(db)
  ).rows;
  const out: SchemaShape = {};
  const table = (name: string) =>
    (out[name] ??= { columns: {}, primaryKey: '()', uniques: [], indexes: {}, foreignKeys: [] });
  for (const c of cols) {
    if (MIGRATION_TABLES.includes(c.table_name)) continue;
    table(c.table_name).columns[c.column_name] = column({
      type: c.data_type,
      nullable: c.is_nullable === 'YES',
      default: c.column_default,
      generated: c.is_identity === 'YES' ? 'identity' : undefined,
    });
  }
  for (const c of constraints) {
    if (MIGRATION_TABLES.includes(c.table)) continue;
    const t = table(c.table);
    if (c.type === 'p') t.primaryKey = list(c.columns);
    else if (c.type === 'u') t.uniques.push(list(c.columns));
    else
      t.foreignKeys.push(
        foreignKey(c.columns, c.target!, c.target_columns!, PG_ON_DELETE[c.on_delete] ?? c.on_delete),
      );
  }
  for (const ix of indexes) {
    if (MIGRATION_TABLES.includes(ix.table)) continue;
    table(ix.table).indexes[ix.name] = `${ix.unique ? 'unique ' : ''}${list(ix.columns)}`;
  }
  for (const t of Object.values(out)) {
    t.columns = sortedKeys(t.columns);
    t.uniques.sort();
    t.indexes = sortedKeys(t.indexes);
    t.foreignKeys.sort();
  }
  return out;
}

/**
 * Columns whose declared type differs between the dialects on purpose: SQLite's INTEGER is
 * already 64-bit and `seq` must be exactly `integer primary key autoincrement` there, while
 * PostgreSQL needs `bigint` (0001, 0002). Nothing else may differ.
 */
export const DIALECT_TYPES: Record<string, { sqlite: string; postgres: string }> = {
  'events.seq': { sqlite: 'integer', postgres: 'bigint' },
  'webhook_endpoints.dispatched_seq': { sqlite: 'integer', postgres: 'bigint' },
  'webhook_deliveries.event_seq': { sqlite: 'integer', postgres: 'bigint' },
};

/**
 * The shape with the spelling differences removed, for comparing one dialect with the other:
 * PostgreSQL's `::type` casts on default literals, identity vs autoincrement (both mean "the
 * database numbers new rows"), and the columns in DIALECT_TYPES (reported as `bigint`).
 */
export function portable(shape: SchemaShape, dialect: 'sqlite' | 'postgres'): SchemaShape {
  const out: SchemaShape = structuredClone(shape);
  for (const [tableName, t] of Object.entries(out)) {
    for (const [name, c] of Object.entries(t.columns)) {
      let spelled = c.replace(
        / default ('[^']*'|[^ ]+)::[a-z ]+?( identity| autoincrement)?$/,
        ' default $1$2',
      );
      spelled = spelled.replace(/ autoincrement$/, ' identity');
      const known = DIALECT_TYPES[`${tableName}.${name}`];
      if (known && spelled.startsWith(`${known[dialect]} `))
        spelled = `${known.postgres}${spelled.slice(known[dialect].length)}`;
      t.columns[name] = spelled;
    }
  }
  return out;
}
