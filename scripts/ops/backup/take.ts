/**
 * Taking a backup: one repeatable-read, read-only transaction exports its snapshot, counts every
 * table's rows and records the catalog facts in it, while `pg_dump --snapshot` dumps that same
 * snapshot, so the counts are the archive's. The archive is written 0600 under a temporary name,
 * checked with `pg_restore --list` (it parses, and holds the rows of every counted table and no
 * other), and only then given its name, next to its manifest.
 */
import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { repoRoot } from '../../lib/stack-config.ts';
import { StackError } from '../../lib/stack-error.ts';
import { dumpSelectionArgs, PLATFORM_TABLES } from './contents.ts';
import { takeInventory } from './inventory.ts';
import { type Manifest, MANIFEST_FORMAT, NOT_INCLUDED, sha256File, writePrivate } from './manifest.ts';
import { checkDumpableUrl, dumpRefusal, findPgTools, lastLines, pgEnv, type PgTools, runTool } from './pg-tools.ts';
import { dataTables, parseToc } from './toc.ts';

export interface BackupOptions {
  outDir: string;
  /** File name without extension; default `<database>-<UTC time>`. */
  name?: string;
  pgBindir?: string;
}

export interface BackupResult {
  dumpFile: string;
  manifestFile: string;
  manifest: Manifest;
  tools: PgTools;
}

/** Where backups go unless --out says otherwise: backups/ in the repository (git-ignored). */
export const DEFAULT_BACKUP_DIR = path.join(repoRoot, 'backups');

export const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;

function defaultName(database: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${database.replace(/[^A-Za-z0-9_-]/g, '_')}-${stamp}`;
}

/** The output folder: made 0700 when new; must be a writable folder. */
export function prepareOutDir(outDir: string): void {
  if (fs.existsSync(outDir)) {
    if (!fs.statSync(outDir).isDirectory()) throw new StackError(`--out ${outDir} is not a folder`);
    try {
      fs.accessSync(outDir, fs.constants.W_OK);
    } catch {
      throw new StackError(`--out ${outDir} is not writable`);
    }
    return;
  }
  fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
}

/** Checks an archive against its manifest's counts with `pg_restore --list`; returns the problems. */
export async function verifyArchive(tools: PgTools, dumpFile: string, manifest: Manifest): Promise<string[]> {
  const listed = await runTool(tools.pgRestore, ['--list', dumpFile], pgEnv('postgresql://localhost/postgres'));
  if (listed.code !== 0) return [`pg_restore --list cannot read the archive: ${lastLines(listed.stderr)}`];
  const toc = parseToc(listed.stdout);
  const inArchive = new Set(dataTables(toc));
  const counted = Object.keys(manifest.rowCounts);
  const problems = counted.filter((t) => !inArchive.has(t)).map((t) => `the archive holds no rows of ${t}`);
  problems.push(...[...inArchive].filter((t) => !(t in manifest.rowCounts)).map((t) => `the archive holds rows of ${t}, which the manifest did not count`));
  if (toc.dumpedFrom !== manifest.server.version) problems.push(`the archive was dumped from "${toc.dumpedFrom}", the manifest says "${manifest.server.version}"`);
  return problems;
}

/** The options' own checks, before anything connects. */
export function validateBackupOptions(opts: BackupOptions, outFlag = '--out'): void {
  if (opts.name !== undefined && !NAME.test(opts.name)) {
    throw new StackError(`--name must be letters, digits, ".", "_" or "-" (no folders), got "${opts.name}"`);
  }
  if (fs.existsSync(opts.outDir) && !fs.statSync(opts.outDir).isDirectory()) throw new StackError(`${outFlag} ${opts.outDir} is not a folder`);
}

export async function takeBackup(url: string, opts: BackupOptions): Promise<BackupResult> {
  const target = checkDumpableUrl(url);
  validateBackupOptions(opts);
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10, idle_timeout: 5 });
  try {
    const [server] = await sql<{ version: string; num: number; db: string; usr: string }[]>`
      select current_setting('server_version') as version, current_setting('server_version_num')::int as num,
             current_database() as db, current_user as usr`.catch((err: Error) => {
      throw new StackError(`cannot reach the database (${err.message})`, 'check --db-url; on hosted Supabase use the direct connection string or the session pooler');
    });
    const serverMajor = Math.floor(server.num / 10000);
    const tools = findPgTools(serverMajor, { explicitDir: opts.pgBindir, refusal: (m) => dumpRefusal(m, serverMajor) });
    prepareOutDir(opts.outDir);
    const createdAt = new Date();
    const name = opts.name ?? defaultName(server.db, createdAt);
    const dumpFile = path.join(opts.outDir, `${name}.dump`);
    const manifestFile = path.join(opts.outDir, `${name}.json`);
    for (const f of [dumpFile, manifestFile]) if (fs.existsSync(f)) throw new StackError(`${f} already exists`, 'give another --name, or move the old backup away');
    const partial = `${dumpFile}.partial`;
    fs.rmSync(partial, { force: true });
    writePrivate(partial, '');
    try {
      const inventory = await sql.begin('isolation level repeatable read read only', async (tx) => {
        const [{ snapshot }] = await tx<{ snapshot: string }[]>`select pg_catalog.pg_export_snapshot() as snapshot`;
        await tx`set local search_path = ''`; // every name the inventory prints is schema-qualified
        const inv = await takeInventory(tx);
        const dump = await runTool(tools.pgDump, [
          '--format=custom', `--snapshot=${snapshot}`, '--lock-wait-timeout=60000', '--file', partial, ...dumpSelectionArgs(inv),
        ], pgEnv(url));
        if (dump.code !== 0) throw new StackError(`pg_dump failed: ${lastLines(dump.stderr)}`);
        return inv;
      });
      fs.chmodSync(partial, 0o600);
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        file: path.basename(dumpFile),
        createdAt: createdAt.toISOString(),
        server: { version: server.version, versionNum: server.num, major: serverMajor },
        pgDump: { version: tools.version, major: tools.major },
        database: { host: target.hostname, port: Number(target.port || 5432), name: server.db, user: server.usr },
        migrationVersion: inventory.migrationVersion,
        migrations: inventory.migrations,
        size: fs.statSync(partial).size,
        sha256: await sha256File(partial),
        contents: {
          schemas: inventory.schemas,
          platformTables: PLATFORM_TABLES.filter((t) => t in inventory.rowCounts),
          excludedTables: inventory.excludedTables,
          notIncluded: NOT_INCLUDED,
        },
        rowCounts: inventory.rowCounts,
        functions: inventory.functions,
        rlsTables: inventory.rlsTables,
        publications: inventory.publications,
        platformPolicies: inventory.platformPolicies,
        extensions: inventory.extensions,
        privileges: inventory.privileges,
        acls: inventory.acls,
      };
      const problems = await verifyArchive(tools, partial, { ...manifest, file: path.basename(partial) });
      if (problems.length) throw new StackError(`the new archive failed its check: ${problems.join('; ')}`, 'nothing was kept; try again');
      fs.renameSync(partial, dumpFile);
      writePrivate(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
      return { dumpFile, manifestFile, manifest, tools };
    } catch (err) {
      fs.rmSync(partial, { force: true });
      throw err;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** One line per backup, for summaries. */
export function describeBackup(r: Pick<BackupResult, 'dumpFile' | 'manifest'>): string {
  const rows = Object.values(r.manifest.rowCounts).reduce((a, b) => a + b, 0);
  return `${r.dumpFile} (${Object.keys(r.manifest.rowCounts).length} tables, ${rows} rows, ${r.manifest.size} bytes, ` +
    `sha256 ${r.manifest.sha256.slice(0, 12)}…, migration ${r.manifest.migrationVersion ?? 'none'})`;
}
