/**
 * The PostgreSQL client programs a backup and a restore run (pg_dump, pg_restore, psql), found by
 * major version, and the environment that hands them a connection without putting a password on a
 * command line (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, ... from the URL).
 *
 * pg_dump refuses to dump a server of a newer major than its own, and an archive can only be read
 * by a pg_restore at least as new as the pg_dump that wrote it, so every command asks for tools of
 * at least a major and takes the oldest installation that qualifies (the closest match).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from '../../lib/stack-error.ts';

export interface PgTools {
  bindir: string;
  /** As `pg_dump --version` prints it, e.g. "15.18". */
  version: string;
  major: number;
  pgDump: string;
  pgRestore: string;
  psql: string;
}

const PROGRAMS = ['pg_dump', 'pg_restore', 'psql'] as const;

function versionIn(bindir: string): string | undefined {
  if (!PROGRAMS.every((p) => fs.existsSync(path.join(bindir, p)))) return undefined;
  try {
    const out = execFileSync(path.join(bindir, 'pg_dump'), ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    return /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

function toolsIn(bindir: string): PgTools | undefined {
  const version = versionIn(bindir);
  if (!version) return undefined;
  return {
    bindir, version, major: Number(version.split('.')[0]),
    pgDump: path.join(bindir, 'pg_dump'), pgRestore: path.join(bindir, 'pg_restore'), psql: path.join(bindir, 'psql'),
  };
}

/** Where client programs usually are: Debian's per-major folders, pg_config, PATH, Homebrew. */
function candidateDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    for (const v of fs.readdirSync(debian).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a))) dirs.push(path.join(debian, v, 'bin'));
  }
  try {
    dirs.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch { /* no pg_config */ }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) if (dir && fs.existsSync(path.join(dir, 'pg_dump'))) dirs.push(dir);
  for (const v of [18, 17, 16, 15]) dirs.push(`/opt/homebrew/opt/postgresql@${v}/bin`, `/usr/local/opt/postgresql@${v}/bin`);
  dirs.push('/opt/homebrew/opt/libpq/bin', '/usr/local/opt/libpq/bin');
  return [...new Set(dirs.filter(Boolean).map((d) => path.resolve(d)))];
}

/** The refusal of a backup: pg_dump never dumps a server of a newer major than its own. */
export function dumpRefusal(toolMajor: number, serverMajor: number): string {
  return `pg_dump ${toolMajor} cannot dump a PostgreSQL ${serverMajor} server`;
}

const INSTALL_HINT = (major: number) =>
  `install the PostgreSQL ${major} client programs (Debian/Ubuntu: postgresql-client-${major} from the PostgreSQL apt repository; macOS: brew install postgresql@${major}) ` +
  'and pass their folder with --pg-bindir (or PG_BINDIR)';

/**
 * Client programs of at least `minMajor`: those in `explicitDir` (--pg-bindir, else PG_BINDIR), or
 * the oldest qualifying installation found. `refusal` words the one line for tools that are too old.
 */
export function findPgTools(minMajor: number, opts: { explicitDir?: string; refusal?: (toolMajor: number) => string } = {},
  env: NodeJS.ProcessEnv = process.env): PgTools {
  const refusal = opts.refusal ?? ((major: number) => dumpRefusal(major, minMajor));
  const explicit = opts.explicitDir ?? (env.PG_BINDIR || undefined);
  if (explicit) {
    const tools = toolsIn(path.resolve(explicit));
    if (!tools) throw new StackError(`${explicit} does not hold pg_dump, pg_restore and psql`, 'give the bin folder of a PostgreSQL client installation');
    if (tools.major < minMajor) throw new StackError(`${refusal(tools.major)} (${tools.pgDump} is ${tools.version})`, INSTALL_HINT(minMajor));
    return tools;
  }
  const found = candidateDirs(env).map(toolsIn).filter((t): t is PgTools => !!t);
  const fit = found.filter((t) => t.major >= minMajor).sort((a, b) => a.major - b.major)[0];
  if (fit) return fit;
  if (!found.length) throw new StackError('no PostgreSQL client programs (pg_dump, pg_restore, psql) found', INSTALL_HINT(minMajor));
  const newest = found.sort((a, b) => b.major - a.major)[0];
  throw new StackError(`${refusal(newest.major)} (the newest found: ${newest.pgDump}, ${newest.version})`, INSTALL_HINT(minMajor));
}

/** Refuses URLs pg_dump cannot work through before anything connects. */
export function checkDumpableUrl(raw: string, flag = '--db-url'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StackError(`${flag} must be a postgresql:// URL, got "${raw.replace(/:[^:@/]*@/, ':***@')}"`);
  }
  if (!['postgresql:', 'postgres:'].includes(url.protocol)) throw new StackError(`${flag} must be a postgresql:// URL, got a ${url.protocol} URL`);
  if (url.port === '6543' || url.searchParams.get('pgbouncer') === 'true') {
    throw new StackError(`${url.hostname}:${url.port || 5432} looks like the Supavisor transaction pooler (port 6543), which does not support pg_dump and pg_restore (no session state, no exported snapshots)`,
      'use the direct connection string (db.<project-ref>.supabase.co:5432) or the session pooler (port 5432 on the pooler host)');
  }
  pgEnv(raw); // its parameters, refused now rather than after connecting
  return url;
}

const URL_PARAMS: Record<string, string> = {
  sslmode: 'PGSSLMODE', sslrootcert: 'PGSSLROOTCERT', sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY', application_name: 'PGAPPNAME',
  connect_timeout: 'PGCONNECT_TIMEOUT', options: 'PGOPTIONS', target_session_attrs: 'PGTARGETSESSIONATTRS', host: 'PGHOST', port: 'PGPORT',
  channel_binding: 'PGCHANNELBINDING', gssencmode: 'PGGSSENCMODE', sslcrl: 'PGSSLCRL', sslsni: 'PGSSLSNI',
};

/** The process environment without inherited PG* settings, plus the connection of `raw` as PG* variables. */
export function pgEnv(raw: string, database?: string): NodeJS.ProcessEnv {
  const url = new URL(raw);
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  env.PGHOST = url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  env.PGPORT = url.port || '5432';
  env.PGUSER = decodeURIComponent(url.username || 'postgres');
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  env.PGDATABASE = database ?? (decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres');
  env.PGAPPNAME = 'assistant-platform-backup';
  env.PGCONNECT_TIMEOUT = '10';
  for (const [key, value] of url.searchParams) {
    const name = URL_PARAMS[key];
    if (!name) throw new StackError(`the URL parameter "${key}" is not supported here`, `supported: ${Object.keys(URL_PARAMS).join(', ')}`);
    env[name] = value;
  }
  return env;
}

/** The URL of another database on the same server. */
export function withDatabase(raw: string, database: string): string {
  const url = new URL(raw);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export interface RunResult { code: number; stdout: string; stderr: string }

/** Run a client program; stdout captured unless the caller streams it. */
export function runTool(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The last lines of a program's complaint, for a one-line error. */
export function lastLines(text: string, n = 4): string {
  return text.trim().split('\n').filter(Boolean).slice(-n).join(' | ');
}
