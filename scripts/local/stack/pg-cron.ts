/**
 * Supabase Cron on the local cluster, where pg_cron is installed (Debian's postgresql-15-cron on
 * the PostgreSQL 15 lane): the server settings it needs (preloaded, jobs in background workers,
 * its tables in the `postgres` database) and the extension created as on a Supabase project, with
 * the privileges Supabase's event trigger (extensions.grant_pg_cron_access) gives `postgres`.
 */
import postgres from 'postgres';

export const PG_CRON_SETTINGS: Record<string, string> = {
  shared_preload_libraries: 'pg_cron',
  'cron.database_name': 'postgres',
  'cron.use_background_workers': 'on',
  max_worker_processes: '16',
};

export async function enablePgCron(superuserUrl: string): Promise<void> {
  const sql = postgres(superuserUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('assistant-platform:pg_cron'))`;
      await tx.unsafe(`
        create extension if not exists pg_cron with schema pg_catalog;
        grant usage on schema cron to postgres with grant option;
        grant all on all tables in schema cron to postgres with grant option;
        grant all on all sequences in schema cron to postgres with grant option;
        grant all on all functions in schema cron to postgres with grant option;
        alter default privileges in schema cron grant all on tables to postgres with grant option;
        alter default privileges in schema cron grant all on sequences to postgres with grant option;
        alter default privileges in schema cron grant all on functions to postgres with grant option;`);
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
