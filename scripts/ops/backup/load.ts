/**
 * Loading an archive into a database, all or nothing: pg_restore writes the listed entries as SQL
 * and one psql session runs it as a single transaction (ON_ERROR_STOP), together with the SQL a
 * restore adds around it: a drill's extensions first, the login's default privileges set aside, a
 * --clean restore's deletion of the platform rows where the rows start, then the publication
 * memberships pg_dump leaves out, the default privileges put back and the source's ACL order. Any
 * error rolls everything back, so a failed restore leaves the target as it was.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StackError } from '../../lib/stack-error.ts';
import { PLATFORM_TABLES, qualified, quoteIdent, quoteLiteral, SAFE_NAME } from './contents.ts';
import type { Manifest } from './manifest.ts';
import { lastLines, pgEnv, type PgTools } from './pg-tools.ts';

/** One piece of the script: literal SQL, or the SQL pg_restore writes for a list of entries. */
export type Piece = { sql: string } | { list: string[]; clean?: boolean; noOwner?: boolean };

/** A drill's scratch database gets the extensions the source had, where they can be created. */
export function extensionsSql(manifest: Manifest): string {
  return manifest.extensions.map((e) => {
    const [name, schema] = e.split('@');
    const create = schema === 'pg_catalog'
      ? `create extension if not exists ${quoteIdent(name)}`
      : `create schema if not exists ${quoteIdent(schema)}; create extension if not exists ${quoteIdent(name)} with schema ${quoteIdent(schema)}`;
    return `do $drill$ begin ${create}; exception when others then raise notice 'extension % not created: %', ${quoteLiteral(name)}, sqlerrm; end $drill$;`;
  }).join('\n');
}

/** A --clean restore replaces the platform rows (the app's tables were just dropped and re-created empty). */
export function deletePlatformRowsSql(manifest: Manifest, historyTables: string[]): string {
  const tables = [...PLATFORM_TABLES].reverse().filter((t) => t in manifest.rowCounts);
  return [
    "set local storage.allow_delete_query = 'true';",
    ...tables.map((t) => `delete from ${qualified(t)};`),
    ...historyTables.map((t) => `delete from ${qualified(t)};`),
  ].join('\n');
}

/** The memberships of `supabase_realtime` and other publications, as the source had them. */
export function publicationsSql(manifest: Manifest): string {
  return manifest.publications.map((m) => {
    const [pub, table] = m.split(':');
    const [schema, name] = table.split('.');
    if (![pub, schema, name].every((n) => SAFE_NAME.test(n))) throw new StackError(`the manifest names an unexpected publication entry "${m}"`);
    return `do $pub$ begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = ${quoteLiteral(pub)}) then create publication ${quoteIdent(pub)}; end if;
  if not exists (select 1 from pg_catalog.pg_publication_tables where pubname = ${quoteLiteral(pub)} and schemaname = ${quoteLiteral(schema)} and tablename = ${quoteLiteral(name)}) then
    alter publication ${quoteIdent(pub)} add table ${quoteIdent(schema)}.${quoteIdent(name)};
  end if;
end $pub$;`;
  }).join('\n');
}

const OBJECT_WORDS = `case objtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions' when 'T' then 'types' else 'schemas' end`;
const IN_SCHEMA = `case when nsp = 0 then '' else 'in schema ' || nsp::regnamespace::text end`;

/**
 * The restoring login's default privileges (Supabase grants anon, authenticated and service_role
 * everything new in public) are set aside while the archive loads, so each object gets exactly the
 * grants the archive states, and put back afterwards (reinstateDefaultPrivilegesSql), in the same
 * transaction.
 */
export const SET_ASIDE_DEFAULT_PRIVILEGES_SQL = `create temporary table restore_default_acl on commit drop as
  select d.oid as entry, x.n, d.defaclnamespace::oid as nsp, d.defaclobjtype::text as objtype,
         case x.grantee when 0 then 'public' else x.grantee::regrole::text end as grantee, x.privilege_type, x.is_grantable
  from pg_catalog.pg_default_acl d,
       pg_catalog.aclexplode(d.defaclacl) with ordinality as x(grantor, grantee, privilege_type, is_grantable, n)
  -- a per-schema entry lists the owner too (put back in its place); a global one's owner item is the owner's own default
  where d.defaclrole = (select oid from pg_catalog.pg_roles where rolname = current_user) and (d.defaclnamespace <> 0 or x.grantee <> d.defaclrole);
create temporary table restore_public_default on commit drop as
  select d.defaclobjtype::text as objtype from pg_catalog.pg_default_acl d
  where d.defaclrole = (select oid from pg_catalog.pg_roles where rolname = current_user) and d.defaclnamespace = 0
    and d.defaclobjtype in ('f', 'T') and not exists (select 1 from pg_catalog.aclexplode(d.defaclacl) x where x.grantee = 0);
do $acl$ declare r record; begin
  for r in select ${IN_SCHEMA} as scope, privilege_type, ${OBJECT_WORDS} as words, grantee from pg_temp.restore_default_acl loop
    execute format('alter default privileges %s revoke %s on %s from %s', r.scope, r.privilege_type, r.words, r.grantee);
  end loop;
  for r in select case objtype when 'f' then 'execute on functions' else 'usage on types' end as what from pg_temp.restore_public_default loop
    execute format('alter default privileges grant %s to public', r.what);
  end loop;
end $acl$;`;

export const REINSTATE_DEFAULT_PRIVILEGES_SQL = `do $acl$ declare r record; begin
  for r in select case objtype when 'f' then 'execute on functions' else 'usage on types' end as what from pg_temp.restore_public_default loop
    execute format('alter default privileges revoke %s from public', r.what);
  end loop;
  for r in select ${IN_SCHEMA} as scope, privilege_type, ${OBJECT_WORDS} as words, grantee, is_grantable from pg_temp.restore_default_acl order by entry, n loop
    execute format('alter default privileges %s grant %s on %s to %s%s', r.scope, r.privilege_type, r.words, r.grantee,
      case when r.is_grantable then ' with grant option' else '' end);
  end loop;
end $acl$;`;

/**
 * The same grants can sit in an ACL in another order, and `npm run verify` compares ACLs as text:
 * every object whose ACL differs from the source's is revoked from each grantee and granted again
 * in the source's order (grants by the owner; the privileges check compares them as sets anyway).
 * Tables go first: revoking on a table also revokes its column grants, which are replayed after.
 */
export function aclReplaySql(manifest: Manifest): string {
  if (!manifest.acls.length) return '';
  const ordered = [...manifest.acls.filter((a) => a.kind !== 'column'), ...manifest.acls.filter((a) => a.kind === 'column')];
  const rows = ordered.map((a) => `(${quoteLiteral(a.kind)}, ${quoteLiteral(a.name)}, ${a.column === undefined ? 'null' : quoteLiteral(a.column)}, ${quoteLiteral(a.acl)}::aclitem[])`);
  const current = `case r.kind when 'schema' then (select nspacl from pg_catalog.pg_namespace where nspname = r.name)
      when 'routine' then (select proacl from pg_catalog.pg_proc where oid = r.name::regprocedure)
      when 'type' then (select typacl from pg_catalog.pg_type where oid = r.name::regtype)
      when 'column' then (select attacl from pg_catalog.pg_attribute where attrelid = r.name::regclass and attname = r.col)
      else (select relacl from pg_catalog.pg_class where oid = r.name::regclass) end`;
  const who = (g: string) => `case ${g} when 0 then 'public' else ${g}::regrole::text end`;
  return `do $acl$ declare r record; g record; cur aclitem[]; target text; cols text; begin
  for r in select * from (values
    ${rows.join(',\n    ')}) as v(kind, name, col, acl) loop
    cur := ${current};
    continue when cur::text is not distinct from r.acl::text;
    target := case r.kind when 'schema' then 'schema ' || quote_ident(r.name) when 'column' then 'table ' || r.name else r.kind || ' ' || r.name end;
    cols := case when r.kind = 'column' then ' (' || quote_ident(r.col) || ')' else '' end;
    for g in select distinct x.grantee from pg_catalog.aclexplode(cur) x loop
      execute format('revoke all%s on %s from %s', cols, target, ${who('g.grantee')});
    end loop;
    for g in select x.grantee, x.is_grantable, string_agg(x.privilege_type || cols, ', ' order by x.n) as privs, min(x.n) as first
      from pg_catalog.aclexplode(r.acl) with ordinality as x(grantor, grantee, privilege_type, is_grantable, n)
      group by x.grantee, x.is_grantable order by first loop
      execute format('grant %s on %s to %s%s', g.privs, target, ${who('g.grantee')}, case when g.is_grantable then ' with grant option' else '' end);
    end loop;
  end loop;
end $acl$;`;
}

/** Run the pieces in one transaction on `url`; returns psql's notices, throws with its complaint when anything fails. */
export async function loadPieces(tools: PgTools, archive: string, url: string, pieces: Piece[]): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-list-'));
  const env = pgEnv(url);
  const psql = spawn(tools.psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '--no-password', '-f', '-'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  psql.stderr.on('data', (d) => (stderr += d));
  psql.stdin.on('error', () => { /* psql stopped at an error: its exit code and stderr say which */ });
  const exited = new Promise<number>((resolve, reject) => {
    psql.on('error', reject);
    psql.on('close', (code) => resolve(code ?? 1));
  });
  let psqlDone = false;
  void exited.then(() => (psqlDone = true), () => (psqlDone = true));
  const write = (text: string) => new Promise<void>((resolve) => (psqlDone ? resolve() : psql.stdin.write(text, () => resolve())));
  try {
    for (const [i, piece] of pieces.entries()) {
      if (psqlDone) break;
      if ('sql' in piece) {
        if (piece.sql) await write(`${piece.sql}\n`);
        continue;
      }
      if (!piece.list.length) continue;
      const listFile = path.join(dir, `list-${i}.txt`);
      fs.writeFileSync(listFile, `${piece.list.join('\n')}\n`);
      const args = ['-f', '-', '-L', listFile, ...(piece.clean ? ['--clean', '--if-exists'] : []), ...(piece.noOwner ? ['--no-owner'] : []), archive];
      const restore = spawn(tools.pgRestore, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let restoreErr = '';
      restore.stderr.on('data', (d) => (restoreErr += d));
      restore.stdout.pipe(psql.stdin, { end: false });
      // psql stopping at an error stops reading: end pg_restore rather than let it block on a full pipe.
      const stopRestore = () => restore.kill('SIGTERM');
      psql.once('close', stopRestore);
      const code = await new Promise<number>((resolve, reject) => {
        restore.on('error', reject);
        restore.on('close', (c) => resolve(c ?? 1));
      });
      psql.off('close', stopRestore);
      restore.stdout.unpipe(psql.stdin);
      if (psqlDone) break;
      if (code !== 0) {
        psql.kill('SIGTERM');
        throw new StackError(`pg_restore could not read the archive: ${lastLines(restoreErr)}`, 'nothing was restored');
      }
    }
    psql.stdin.end();
    const code = await exited;
    if (code !== 0) {
      const lines = stderr.replace(/^psql:<stdin>:\d+: /gm, '').split('\n');
      const at = lines.findIndex((l) => l.startsWith('ERROR:'));
      const complaint = at < 0 ? lastLines(stderr, 3) : lines.slice(at).filter((l) => /^(ERROR|DETAIL|HINT):/.test(l)).join(' | ');
      throw new StackError(`the restore failed and was rolled back: ${complaint}`, 'the target is unchanged');
    }
    return [...stderr.matchAll(/NOTICE:\s+(extension .* not created: .*)/g)].map((m) => m[1].trim());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
