/**
 * What a backup holds, decided once here:
 *
 *   public, private          the application: every table, view, function, type, policy, grant and row
 *   supabase_migrations      the CLI's migration history (schema_migrations, seed_files), so `db push`
 *                            knows where a restored database stands
 *   auth.users, .identities  the accounts (with their password hashes) every profile references:
 *                            public.users.id is a foreign key to auth.users, so no tenant's data restores
 *                            without them. Rows only: the auth schema belongs to Supabase Auth.
 *   storage.buckets, .objects  the rows (bucket settings, each object's name, owner, metadata) and the
 *                            app's policies on them. The object bytes live in the Storage service (S3 on
 *                            hosted projects, .stack/storage locally), not in the database: not in here.
 *
 * Left out on purpose: sessions and refresh tokens (a restore signs everyone out), the rest of auth
 * (MFA factors, audit log, SSO/SAML, flow state, GoTrue's own migrations) and of storage (its
 * migrations, multipart uploads), cron jobs (cron.job: `private.apply_job_schedules()` recreates them
 * from private.job_schedules), Vault secrets, extensions, roles and their passwords: the platform's.
 */

/** Application schemas: dumped and restored whole. */
export const APP_SCHEMAS = ['public', 'private'] as const;
/** The CLI's history: whole when the target lacks it, its rows only when the target already has it. */
export const HISTORY_SCHEMA = 'supabase_migrations';
/** Platform tables whose rows are the project's data; restored in this order (foreign keys). */
export const PLATFORM_TABLES = ['auth.users', 'auth.identities', 'storage.buckets', 'storage.objects'] as const;
export const PLATFORM_SCHEMAS = ['auth', 'storage'] as const;

/** Identifiers the manifest may carry into SQL a restore writes. */
export const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;
export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
export const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;
export const qualified = (table: string) => table.split('.').map(quoteIdent).join('.');

/** pg_dump's selection: the schemas that exist, less the platform tables not kept. Patterns are quoted: exact names. */
export function dumpSelectionArgs(inv: { schemas: string[]; excludedTables: string[] }): string[] {
  const exact = (name: string) => name.split('.').map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
  return [...inv.schemas.flatMap((s) => ['--schema', exact(s)]), ...inv.excludedTables.flatMap((t) => ['--exclude-table', exact(t)])];
}
