/**
 * The database half of the local stack: an embedded cluster or an external DATABASE_URL,
 * made Supabase-shaped (platform bootstrap), then migrated and seeded by the real CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { StackError } from '../../lib/stack-error.ts';
import { applyPlatformBootstrap, type BootstrapOutcome } from './bootstrap.ts';
import { postgresUrl } from '../../lib/stack-config.ts';
import { serverIdentity } from './os-user.ts';
import { selectedMajor, serverBinaries, type PgMajor } from './pg-binaries.ts';
import { enablePgCron, PG_CRON_SETTINGS } from './pg-cron.ts';
import { freePort, PostgresServer } from './postgres-server.ts';
import { throwawayParent } from './shared-dirs.ts';
import { dbPush } from '../../lib/supabase-cli.ts';

export interface DatabaseUrls {
  /** A superuser login: runs the platform bootstrap. */
  superuserUrl: string;
  /** The `postgres` login, as on hosted Supabase: migrations, seed, gen types, advisors. */
  postgresUrl: string;
}

export interface PreparedDatabase extends DatabaseUrls {
  bootstrap: BootstrapOutcome;
  pushOutput: string;
}

/** Bootstrap, (optionally) enable pg_cron as a Supabase project would, push migrations, and optionally seed. */
export async function prepareDatabase(urls: DatabaseUrls, opts: { dbPassword: string; seed: boolean; pgCron?: boolean }): Promise<PreparedDatabase> {
  const bootstrap = await applyPlatformBootstrap(urls.superuserUrl, opts.dbPassword);
  if (opts.pgCron) await enablePgCron(urls.superuserUrl);
  const pushOutput = await dbPush(urls.postgresUrl, { includeSeed: opts.seed });
  return { ...urls, bootstrap, pushOutput };
}

function describe(url: URL): string {
  return `${url.hostname}:${url.port || 5432}${url.pathname}`;
}

/**
 * Check an external DATABASE_URL and derive the `postgres` login used for migrations: the URL
 * itself when it logs in as postgres, otherwise postgres with DB_PASSWORD on the same server.
 */
export async function resolveExternalDatabase(rawUrl: string, dbPassword: string): Promise<DatabaseUrls> {
  let url: URL;
  try {
    url = new URL(rawUrl);
    if (!['postgres:', 'postgresql:'].includes(url.protocol)) throw new Error('protocol');
  } catch {
    throw new StackError('DATABASE_URL is not a postgresql:// URL', 'example: postgresql://postgres:postgres@127.0.0.1:5432/postgres');
  }
  const sql = postgres(rawUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new StackError(`cannot reach the database at ${describe(url)} (${e.code ?? ''} ${e.message})`.replace(/\s+/g, ' '),
      'check DATABASE_URL (host, port, password), or unset it to use the embedded database');
  } finally {
    await sql.end({ timeout: 2 }).catch(() => {});
  }
  if (decodeURIComponent(url.username) === 'postgres') return { superuserUrl: rawUrl, postgresUrl: rawUrl };
  return {
    superuserUrl: rawUrl,
    postgresUrl: postgresUrl({ user: 'postgres', password: dbPassword, host: url.hostname, port: Number(url.port || 5432), database: url.pathname.slice(1) || 'postgres' }),
  };
}

export function embeddedUrls(server: PostgresServer, dbPassword: string): DatabaseUrls {
  return {
    superuserUrl: server.superuserUrl,
    postgresUrl: postgresUrl({ user: 'postgres', password: dbPassword, host: server.opts.host, port: server.opts.port }),
  };
}

export interface ThrowawayDatabase extends PreparedDatabase {
  server: PostgresServer;
  port: number;
  /** The server's PostgreSQL, e.g. 17.10 or 15.18. */
  version: string;
  /** pg_cron is loaded and created in the `postgres` database. */
  pgCron: boolean;
  stop(): Promise<void>;
}

/**
 * A fresh cluster on a free port, bootstrapped and migrated: for tests, type generation and
 * benchmarks, on the selected PostgreSQL (PG_MAJOR, else 17). Without `durable` it runs with fsync
 * off (fast, nothing survives a crash). `pgCron` loads and creates pg_cron where it is installed.
 */
export async function startThrowawayDatabase(opts: { seed: boolean; durable?: boolean; major?: PgMajor; pgCron?: boolean }): Promise<ThrowawayDatabase> {
  const password = 'postgres';
  const major = opts.major ?? selectedMajor();
  const bins = await serverBinaries(major);
  const pgCron = !!opts.pgCron && bins.pgCron;
  const root = fs.mkdtempSync(path.join(throwawayParent(serverIdentity()), 'assistant-platform-db-'));
  if (process.getuid?.() === 0) fs.chmodSync(root, 0o755);
  const port = await freePort();
  const server = new PostgresServer({
    dataDir: path.join(root, 'data'), host: '127.0.0.1', port, password, major, ephemeral: !opts.durable,
    settings: pgCron ? PG_CRON_SETTINGS : undefined,
  });
  const stop = async () => {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
    const prepared = await prepareDatabase(embeddedUrls(server, password), { dbPassword: password, seed: opts.seed, pgCron });
    return { ...prepared, server, port, version: bins.version, pgCron, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
