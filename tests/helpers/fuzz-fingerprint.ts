/**
 * A fingerprint of everything the fuzz world owns, one query plus the stored files: for each public
 * table with a tenant_id column the fuzz tenants' rows (count and md5 of the rows as text), the
 * tenants and accounts themselves, storage.objects rows of the bucket and of the fuzz users, the
 * bytes of those objects on disk, and (shared with other tests, see `shared`) the job log and the
 * RAG metrics rows that platform jobs write for every tenant.
 */
import { createHash } from 'node:crypto';
import type { FuzzWorld } from './fuzz-fixture.ts';
import { fileHash } from './fuzz-fixture.ts';
import { connect, superuserUrl } from './db.ts';

export interface Fingerprint {
  /** Only the fuzz world writes these: any change is the request's. */
  strict: Record<string, string>;
  /**
   * Platform-wide jobs (refresh-views, from other test files too) also write these, and other fuzz
   * files remove their job runs when they end: the rows as a set of hashes, where only a new or
   * changed row counts, and only if replaying the request changes them again.
   */
  shared: Record<string, string[]>;
}

/** Tables that platform jobs write for every tenant. */
const SHARED_TABLES = new Set(['rag_metrics_history']);

const part = (name: string, from: string, where: string) =>
  `select '${name}' as part, count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h,
          ${name === 'storage.objects' ? `string_agg(x.id::text, ',' order by x.id)` : 'null'} as ids,
          ${isShared(name) ? `array_agg(md5(x::text) order by md5(x::text))` : 'null::text[]'} as rows
   from ${from} x where ${where}`;
const isShared = (name: string) => SHARED_TABLES.has(name) || name.startsWith('private.');

export async function fingerprinter(world: FuzzWorld): Promise<() => Promise<Fingerprint>> {
  const sql = connect(superuserUrl());
  const tables = await sql`select table_name from information_schema.columns
                           where table_schema = 'public' and column_name = 'tenant_id'
                             and table_name in (select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE')
                           order by table_name`;
  const since = new Date(Date.now() - 1000);
  const parts = [
    part('tenants', 'public.tenants', 'x.id = any($1::uuid[])'),
    part('auth.users', 'auth.users', 'x.id = any($2::uuid[])'),
    ...tables.map((t) => part(String(t.table_name), `public.${t.table_name}`, 'x.tenant_id = any($1::uuid[])')),
    part('storage.objects', 'storage.objects',
      `x.bucket_id = $3 or x.owner_id = any($2::text[]) or (x.bucket_id = 'conversation-files' and split_part(x.name, '/', 2) = any($2::text[]))`),
    // Runs another fuzz file started under its own tag are its business, not this world's.
    part('private.job_runs', 'private.job_runs', `(x.started_at >= $4 or x.finished_at >= $4) and not (x.trigger like 'fuzz-%' and x.trigger not like $5)`),
    part('private.job_run_steps', 'private.job_run_steps', `(x.started_at >= $4 or x.finished_at >= $4)
      and x.run_id not in (select id from private.job_runs where trigger like 'fuzz-%' and trigger not like $5)`),
  ];
  const text = parts.join('\nunion all\n');
  const params = [world.tenants, Object.values(world.users), world.bucket ?? '', since, `${world.tag}%`];
  return async () => {
    const rows = await sql.unsafe(text, params as never[]);
    const fp: Fingerprint = { strict: {}, shared: {} };
    for (const r of rows) {
      if (isShared(r.part)) fp.shared[r.part] = r.rows ?? [];
      else fp.strict[r.part] = `${r.n}:${r.h}`;
      if (r.part === 'storage.objects') {
        const files = String(r.ids ?? '').split(',').filter(Boolean).map((id) => `${id}=${fileHash(world, id)}`).join(',');
        fp.strict['stored bytes'] = createHash('sha256').update(files).digest('hex');
      }
    }
    return fp;
  };
}

/** The strict parts that differ between two fingerprints. */
export function changed(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]);
}

/** The shared parts with a row in b that a has not (new or changed; removals are other files' teardown). */
export function added(a: Record<string, string[]>, b: Record<string, string[]>): string[] {
  return Object.keys(b).filter((k) => { const old = new Set(a[k] ?? []); return b[k].some((h) => !old.has(h)); });
}
