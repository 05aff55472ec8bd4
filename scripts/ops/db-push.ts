/**
 * `npm run db:push -- --db-url <url> [--yes] [--no-backup | --backup] [--backup-dir <dir>] [--pg-bindir <dir>]`:
 * a guarded deployment. Pre-flight (connection, server version, Supabase roles),
 * `supabase db push --dry-run` (what would be applied), a verified backup when the target is not a
 * local database and there is something to apply (`npm run db:backup`: pg_dump, manifest, read back
 * with pg_restore --list; the checklists' "Database backup completed (if production)"), the push
 * itself (stops at the first failing migration), then `npm run verify` on the result; one summary.
 * A non-local database needs --yes. --no-backup skips the backup; --backup takes one on a local
 * database too. When the backup cannot be taken, nothing is pushed.
 */
import path from 'node:path';
import postgres from 'postgres';
import { parseCli, runCli } from '../lib/cli.ts';
import { withProgress } from '../lib/progress.ts';
import { StackError } from '../lib/stack-error.ts';
import { checkDumpableUrl } from './backup/pg-tools.ts';
import { backupDecision } from './backup/before-push.ts';
import { DEFAULT_BACKUP_DIR, describeBackup, takeBackup, validateBackupOptions } from './backup/take.ts';
import { isLocalDatabase } from './rollback.ts';
import { cliUrl, runSupabaseCli } from '../lib/supabase-cli.ts';
import { verify } from './verify.ts';

const USAGE = 'npm run db:push -- --db-url <url> [--yes] [--no-backup | --backup] [--backup-dir <dir>] [--pg-bindir <dir>]';

await runCli('db:push', async () => {
  const values = parseCli({
    'db-url': { type: 'string' }, yes: { type: 'boolean', default: false }, 'no-backup': { type: 'boolean', default: false },
    backup: { type: 'boolean', default: false }, 'backup-dir': { type: 'string' }, 'pg-bindir': { type: 'string' },
  }, USAGE);
  const url = values['db-url'];
  if (!url) throw new StackError('--db-url is required', `usage: ${USAGE}`);
  if (!URL.canParse(url) || !/^postgres(ql)?:$/.test(new URL(url).protocol)) throw new StackError('--db-url must be a postgresql:// URL', `usage: ${USAGE}`);
  if (values.backup && values['no-backup']) throw new StackError('give --backup or --no-backup, not both', `usage: ${USAGE}`);
  if (values['no-backup'] && (values['backup-dir'] !== undefined || values['pg-bindir'] !== undefined)) {
    throw new StackError('--backup-dir and --pg-bindir are for the backup, which --no-backup skips', `usage: ${USAGE}`);
  }
  for (const flag of ['backup-dir', 'pg-bindir'] as const) {
    if (values[flag] !== undefined && values[flag].trim() === '') throw new StackError(`--${flag} needs a value`, `usage: ${USAGE}`);
  }
  const backupOptions = { outDir: path.resolve(values['backup-dir'] ?? DEFAULT_BACKUP_DIR), pgBindir: values['pg-bindir'] };
  validateBackupOptions(backupOptions, '--backup-dir');
  if (!isLocalDatabase(url) && !values.yes) {
    throw new StackError(`${new URL(url).hostname} is not a local database: pushing there needs --yes`, `usage: ${USAGE}`);
  }
  if (!values['no-backup'] && (values.backup || !isLocalDatabase(url))) checkDumpableUrl(url);
  const summary: string[] = [];
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const [pre] = await sql`select current_setting('server_version_num')::int as num,
      (select count(*) from pg_roles where rolname in ('anon', 'authenticated', 'service_role'))::int as roles`.catch((err) => {
      throw new StackError(`pre-flight: cannot reach the database (${(err as Error).message})`, 'check --db-url');
    });
    if (pre.num < 150000) throw new StackError(`pre-flight: PostgreSQL ${pre.num} is too old (15 or later)`);
    if (pre.roles < 3) throw new StackError('pre-flight: the Supabase roles are missing', 'a Supabase project, or a database bootstrapped by npm start');
    summary.push('pre-flight: ok');
  } finally {
    await sql.end({ timeout: 5 });
  }
  const dry = await withProgress('db push --dry-run', () => runSupabaseCli(['db', 'push', `--remote=${cliUrl(url)}`, '--dry-run', '--yes', '--skip-vault']));
  const pending = `${dry.stdout}\n${dry.stderr}`.split('\n').filter((l) => /\d{14}_.*\.sql/.test(l)).map((l) => l.trim());
  console.log(pending.length ? `would apply:\n  ${pending.join('\n  ')}` : 'no migrations to apply');
  summary.push(`dry run: ${pending.length} migration(s) to apply`);
  const decision = backupDecision({ url, backup: values.backup, noBackup: values['no-backup'], pending: pending.length });
  if (decision.take) {
    const backup = await withProgress('backup before push', () => takeBackup(url, backupOptions)).catch((err: unknown) => {
      if (!(err instanceof StackError)) throw err;
      throw new StackError(`backup before push: ${err.message}; nothing was pushed`, `${err.hint ? `${err.hint}; ` : ''}--no-backup pushes without one (not for production)`);
    });
    summary.push(`backup: ${describeBackup(backup)}, verified with pg_restore --list`);
  } else {
    summary.push(`backup: ${decision.reason}`);
  }
  const push = await withProgress('db push', () => runSupabaseCli(['db', 'push', `--remote=${cliUrl(url)}`, '--yes', '--skip-vault']));
  const applied = `${push.stdout}\n${push.stderr}`.split('\n').filter((l) => /^Applying migration/.test(l.trim())).length;
  summary.push(`push: ${applied} migration(s) applied`);
  const items = await verify(url);
  const failed = items.filter((i) => !i.ok);
  for (const f of failed) console.log(`FAIL ${f.section}: ${f.name}: ${f.evidence}`);
  summary.push(`verify: ${items.length - failed.length} passed, ${failed.length} failed`);
  console.log(`\n${summary.join('\n')}`);
  return failed.length ? 1 : 0;
});
