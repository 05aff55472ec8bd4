/**
 * A restore into a target database, and a drill: the same restore into a scratch database that
 * is checked against the manifest and dropped. Both read the archive's table of contents, choose
 * the client programs for the archive and the server, and load in one transaction (load.ts).
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { StackError } from '../../lib/stack-error.ts';
import { checkRestored, type RestoreCheck } from './checks.ts';
import { HISTORY_SCHEMA, PLATFORM_TABLES } from './contents.ts';
import { aclReplaySql, deletePlatformRowsSql, extensionsSql, loadPieces, type Piece, publicationsSql, REINSTATE_DEFAULT_PRIVILEGES_SQL, SET_ASIDE_DEFAULT_PRIVILEGES_SQL } from './load.ts';
import type { Manifest } from './manifest.ts';
import { checkDumpableUrl, findPgTools, lastLines, pgEnv, type PgTools, runTool, withDatabase } from './pg-tools.ts';
import { parseToc, platformList, restoreLists, type Toc } from './toc.ts';

export interface TargetState {
  serverMajor: number;
  database: string;
  /** Why the target is not a Supabase-shaped database (missing platform tables or roles). */
  notSupabase: string[];
  /** Why the target is not empty (app objects, history, platform rows). */
  notEmpty: string[];
  /** The history tables the target already has. */
  historyTables: string[];
}

export async function inspectTarget(url: string): Promise<TargetState> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10, idle_timeout: 5 });
  try {
    const [info] = await sql<{ num: number; db: string }[]>`select current_setting('server_version_num')::int as num, current_database() as db`.catch((err: Error) => {
      throw new StackError(`cannot reach the target database (${err.message})`, 'check the URL; on hosted Supabase use the direct connection string or the session pooler');
    });
    const notSupabase: string[] = [];
    const tables = new Set((await sql<{ t: string }[]>`
      select n.nspname || '.' || c.relname as t from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and n.nspname in ('auth', 'storage', ${HISTORY_SCHEMA})`).map((r) => r.t));
    for (const t of PLATFORM_TABLES) if (!tables.has(t)) notSupabase.push(`no table ${t}`);
    const roles = (await sql<{ rolname: string }[]>`select rolname from pg_catalog.pg_roles where rolname in ('anon', 'authenticated', 'service_role')`).map((r) => r.rolname);
    for (const r of ['anon', 'authenticated', 'service_role']) if (!roles.includes(r)) notSupabase.push(`no role ${r}`);
    const notEmpty: string[] = [];
    const [app] = await sql<{ private: boolean; relations: number; functions: number; types: number }[]>`
      select to_regnamespace('private') is not null as private,
        (select count(*)::int from pg_catalog.pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
           and not exists (select 1 from pg_catalog.pg_depend d where d.objid = c.oid and d.deptype = 'e')) as relations,
        (select count(*)::int from pg_catalog.pg_proc p where p.pronamespace = 'public'::regnamespace
           and not exists (select 1 from pg_catalog.pg_depend d where d.objid = p.oid and d.deptype = 'e')) as functions,
        (select count(*)::int from pg_catalog.pg_type t where t.typnamespace = 'public'::regnamespace and t.typtype in ('e', 'd', 'r', 'm')
           and not exists (select 1 from pg_catalog.pg_depend d where d.objid = t.oid and d.deptype = 'e')) as types`;
    if (app.private) notEmpty.push('schema private exists');
    if (app.relations) notEmpty.push(`${app.relations} tables, views or sequences in public`);
    if (app.functions) notEmpty.push(`${app.functions} functions in public`);
    if (app.types) notEmpty.push(`${app.types} enums or domains in public`);
    const historyTables = [...tables].filter((t) => t.startsWith(`${HISTORY_SCHEMA}.`)).sort();
    for (const t of [...PLATFORM_TABLES.filter((p) => tables.has(p)), ...historyTables]) {
      const [{ n }] = await sql.unsafe(`select count(*)::int as n from ${t.split('.').map((p) => `"${p}"`).join('.')}`);
      if (n) notEmpty.push(`${n} rows in ${t}`);
    }
    const [{ policies }] = await sql<{ policies: number }[]>`
      select count(*)::int as policies from pg_catalog.pg_policies where schemaname || '.' || tablename = any(${[...PLATFORM_TABLES]})`;
    if (policies) notEmpty.push(`${policies} policies on the auth and storage tables`);
    return { serverMajor: Math.floor(info.num / 10000), database: info.db, notSupabase, notEmpty, historyTables };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Client programs that read this archive and suit this server. */
export function restoreTools(manifest: Manifest, serverMajor: number, pgBindir?: string): PgTools {
  const need = Math.max(manifest.pgDump.major, serverMajor);
  return findPgTools(need, {
    explicitDir: pgBindir,
    refusal: (m) => (m < manifest.pgDump.major
      ? `pg_restore ${m} cannot read an archive written by pg_dump ${manifest.pgDump.major}`
      : `pg_restore ${m} cannot restore into a PostgreSQL ${serverMajor} server`),
  });
}

export async function readToc(tools: PgTools, archive: string): Promise<Toc> {
  const listed = await runTool(tools.pgRestore, ['--list', archive], pgEnv('postgresql://localhost/postgres'));
  if (listed.code !== 0) throw new StackError(`pg_restore --list cannot read ${archive}: ${lastLines(listed.stderr)}`);
  return parseToc(listed.stdout);
}

/**
 * --clean empties the application schemas first: private is dropped, and every object in public
 * that no extension owns, each with CASCADE (so the order never matters, and objects a newer
 * migration added go too). The restore then re-creates exactly what the backup holds.
 */
const EMPTY_APP_SCHEMAS_SQL = `do $clean$ declare r record; begin
  drop schema if exists private cascade;
  -- an earlier CASCADE may already have dropped an object of the list: skip it then.
  for r in select c.oid, case c.relkind when 'v' then 'view' when 'm' then 'materialized view'
      when 'S' then 'sequence' when 'f' then 'foreign table' else 'table' end as kind
    from pg_catalog.pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
      and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
  loop
    continue when not exists (select 1 from pg_catalog.pg_class where oid = r.oid);
    execute format('drop %s if exists %s cascade', r.kind, r.oid::regclass);
  end loop;
  for r in select p.oid, case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end as kind
    from pg_catalog.pg_proc p where p.pronamespace = 'public'::regnamespace
      and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
  loop
    continue when not exists (select 1 from pg_catalog.pg_proc where oid = r.oid);
    execute format('drop %s if exists %s cascade', r.kind, r.oid::regprocedure);
  end loop;
  for r in select t.oid, case t.typtype when 'd' then 'domain' else 'type' end as kind
    from pg_catalog.pg_type t where t.typnamespace = 'public'::regnamespace
      and (t.typtype in ('e', 'd', 'r', 'm') or (t.typtype = 'c' and (select c.relkind from pg_catalog.pg_class c where c.oid = t.typrelid) = 'c'))
      and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')
  loop
    continue when not exists (select 1 from pg_catalog.pg_type where oid = r.oid);
    execute format('drop %s if exists %s cascade', r.kind, r.oid::regtype);
  end loop;
end $clean$;`;

/** The pieces of a restore into a Supabase-shaped database. */
function restorePieces(toc: Toc, manifest: Manifest, target: Pick<TargetState, 'historyTables'>, clean: boolean): Piece[] {
  const historyDataOnly = target.historyTables.includes(`${HISTORY_SCHEMA}.schema_migrations`);
  const lists = restoreLists(toc, { historyDataOnly });
  const historyRows = historyDataOnly ? target.historyTables.filter((t) => t in manifest.rowCounts) : [];
  return [
    { sql: clean ? EMPTY_APP_SCHEMAS_SQL : '' },
    { sql: SET_ASIDE_DEFAULT_PRIVILEGES_SQL },
    { list: lists.structure, clean },
    { sql: clean ? deletePlatformRowsSql(manifest, historyRows) : '' },
    { list: lists.rest, clean },
    { sql: publicationsSql(manifest) },
    { sql: REINSTATE_DEFAULT_PRIVILEGES_SQL },
    { sql: aclReplaySql(manifest) },
  ];
}

export interface RestoreOutcome { checks: RestoreCheck[]; notes: string[]; tools: PgTools }

/** A real restore: the caller has confirmed, checked emptiness or asked for --clean. */
export async function restoreInto(archive: string, manifest: Manifest, url: string, target: TargetState,
  opts: { clean: boolean; pgBindir?: string }): Promise<RestoreOutcome> {
  const tools = restoreTools(manifest, target.serverMajor, opts.pgBindir);
  const toc = await readToc(tools, archive);
  const notes = await loadPieces(tools, archive, url, restorePieces(toc, manifest, target, opts.clean));
  return { checks: await checkRestored(url, manifest), notes, tools };
}

/**
 * The drill: a fresh database on the server of `serverUrl`, given the auth and storage structure
 * from the archive itself (owned by the login, so no platform membership is needed), the restore,
 * the checks, and the database dropped again whatever happened.
 */
export async function drill(archive: string, manifest: Manifest, serverUrl: string, opts: { pgBindir?: string } = {}): Promise<RestoreOutcome & { database: string }> {
  checkDumpableUrl(serverUrl, '--target-url');
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 10, idle_timeout: 5 });
  const database = `backup_drill_${new Date().toISOString().slice(0, 10).replaceAll('-', '')}_${randomBytes(4).toString('hex')}`;
  try {
    const [info] = await admin<{ num: number; login: string }[]>`select current_setting('server_version_num')::int as num, current_user as login`.catch((err: Error) => {
      throw new StackError(`cannot reach the drill's server (${err.message})`, 'check --target-url (or --db-url)');
    });
    const tools = restoreTools(manifest, Math.floor(info.num / 10000), opts.pgBindir);
    const toc = await readToc(tools, archive);
    const roles = await admin`select 1 from pg_catalog.pg_roles where rolname in ('anon', 'authenticated', 'service_role')`;
    if (roles.length < 3) throw new StackError('the drill\'s server lacks the Supabase roles (anon, authenticated, service_role)', 'drill on a Supabase project or a server bootstrapped by npm start');
    await admin.unsafe(`create database "${database}"`).catch((err: Error) => {
      throw new StackError(`cannot create the scratch database ${database} (${err.message})`, 'the drill needs a login with CREATEDB (postgres has it)');
    });
    try {
      const url = withDatabase(serverUrl, database);
      const pieces: Piece[] = [
        { sql: extensionsSql(manifest) },
        { list: platformList(toc, info.login), noOwner: true },
        ...restorePieces(toc, manifest, { historyTables: [] }, false),
      ];
      const notes = await loadPieces(tools, archive, url, pieces);
      return { checks: await checkRestored(url, manifest), notes, tools, database };
    } finally {
      await admin.unsafe(`drop database if exists "${database}" with (force)`);
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}
