/**
 * Applies the platform bootstrap (the SQL files of bootstrap/, in name order, as one script) to a
 * plain PostgreSQL database, unless the database already is Supabase (its Auth or Storage service
 * has migrated it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { StackError } from '../../lib/stack-error.ts';

const bootstrapDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bootstrap');

/** The bootstrap's files, in the order they run. */
export function bootstrapFiles(): string[] {
  return fs.readdirSync(bootstrapDir).filter((f) => f.endsWith('.sql')).sort().map((f) => path.join(bootstrapDir, f));
}

/** The whole bootstrap as one script. */
export function bootstrapScript(): string {
  return bootstrapFiles().map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

/** The schemas the Data API exposes, as `[api] schemas` in supabase/config.toml says. */
export const EXPOSED_SCHEMAS = 'public,graphql_public';

export type BootstrapOutcome = 'applied' | 'skipped-supabase';

export async function applyPlatformBootstrap(superuserUrl: string, dbPassword: string): Promise<BootstrapOutcome> {
  const sql = postgres(superuserUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const [info] = await sql<{ is_supabase: boolean; is_super: boolean; major: number }[]>`
      select (to_regclass('auth.schema_migrations') is not null
              or to_regclass('storage.migrations') is not null) as is_supabase,
             (select rolsuper from pg_roles where rolname = current_user) as is_super,
             current_setting('server_version_num')::int / 10000 as major`;
    if (info.is_supabase) return 'skipped-supabase';
    if (info.major < 15) {
      throw new StackError(`PostgreSQL ${info.major} is too old: the platform needs 15 or later`);
    }
    if (!info.is_super) {
      throw new StackError('the platform bootstrap must run as a superuser',
        'point DATABASE_URL at a superuser login (it creates the Supabase roles and schemas)');
    }
    const script = bootstrapScript();
    for (let attempt = 1; ; attempt++) {
      try {
        await sql.begin(async (tx) => {
          await tx`select set_config('bootstrap.db_password', ${dbPassword}, true),
                          set_config('bootstrap.db_schemas', ${EXPOSED_SCHEMAS}, true)`;
          // Serialise concurrent bootstraps of one database.
          await tx`select pg_advisory_xact_lock(hashtext('assistant-platform:bootstrap'))`;
          await tx.unsafe(script);
        });
        return 'applied';
      } catch (err) {
        // Roles are shared by every database of a cluster: two databases bootstrapped at once can
        // collide on the same role row. The transaction rolled back; try again.
        if (attempt >= 5 || !/tuple concurrently (updated|deleted)/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
