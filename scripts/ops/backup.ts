/**
 * `npm run db:backup -- [--db-url <url>] [--out <dir>] [--name <name>] [--json] [--pg-bindir <dir>] [--verify-restore [--target-url <url>]]`
 *
 * A backup an operator can restore: `pg_dump --format=custom` of the application schemas (public,
 * private), the migration history (supabase_migrations) and the rows of auth.users,
 * auth.identities, storage.buckets and storage.objects (not the object bytes, which live in the
 * Storage service), written as `<out>/<name>.dump` with its manifest `<out>/<name>.json` (mode
 * 0600): server version, database, time, migration version, size and sha256 of the dump, and
 * every table's row count from the dump's own snapshot. The archive is then read back with
 * `pg_restore --list`; `--verify-restore` also runs the restore drill (scripts/ops/restore.ts
 * --drill) on the same server, or on --target-url. Exit 1 on any failure. Uses --db-url, else
 * DATABASE_URL, else the local stack; `<out>` defaults to backups/ in the repository.
 */
import path from 'node:path';
import { parseCli, runCli, targetDatabaseUrl } from '../lib/cli.ts';
import { withProgress } from '../lib/progress.ts';
import { StackError } from '../lib/stack-error.ts';
import { printChecks } from './backup/checks.ts';
import { checkDumpableUrl } from './backup/pg-tools.ts';
import { drill } from './backup/restore-run.ts';
import { DEFAULT_BACKUP_DIR, describeBackup, takeBackup, validateBackupOptions } from './backup/take.ts';

const USAGE = 'npm run db:backup -- [--db-url <url>] [--out <dir>] [--name <name>] [--json] [--pg-bindir <dir>] [--verify-restore [--target-url <url>]]';

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('db:backup', async () => {
    const values = parseCli({
      'db-url': { type: 'string' }, out: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean', default: false },
      'pg-bindir': { type: 'string' }, 'verify-restore': { type: 'boolean', default: false }, 'target-url': { type: 'string' },
    }, USAGE);
    for (const flag of ['db-url', 'out', 'name', 'pg-bindir', 'target-url'] as const) {
      if (values[flag] !== undefined && values[flag].trim() === '') throw new StackError(`--${flag} needs a value`, `usage: ${USAGE}`);
    }
    if (values['target-url'] && !values['verify-restore']) throw new StackError('--target-url is the drill\'s server: it goes with --verify-restore', `usage: ${USAGE}`);
    const url = values['db-url'] ?? (await targetDatabaseUrl());
    checkDumpableUrl(url);
    if (values['target-url']) checkDumpableUrl(values['target-url'], '--target-url');
    const options = { outDir: path.resolve(values.out ?? DEFAULT_BACKUP_DIR), name: values.name, pgBindir: values['pg-bindir'] };
    validateBackupOptions(options);
    const backup = await withProgress('backup', () => takeBackup(url, options));
    const result: Record<string, unknown> = { ok: true, dump: backup.dumpFile, manifestFile: backup.manifestFile, pgDump: backup.tools.pgDump, manifest: backup.manifest };
    let failed = false;
    if (values['verify-restore']) {
      const outcome = await withProgress('restore drill', () => drill(backup.dumpFile, backup.manifest, values['target-url'] ?? url, { pgBindir: values['pg-bindir'] }));
      failed = outcome.checks.some((c) => !c.ok);
      Object.assign(result, { ok: !failed, drill: { database: outcome.database, passed: !failed, checks: outcome.checks, notes: outcome.notes } });
      if (!values.json) {
        printChecks(outcome.checks);
        for (const n of outcome.notes) console.log(`note: ${n}`);
      }
    }
    if (values.json) {
      console.log(JSON.stringify(result, null, 2));
    } else {
      console.log(`backup: ${describeBackup(backup)}`);
      console.log(`manifest: ${backup.manifestFile}`);
      console.log('verified: pg_restore --list reads the archive and lists every counted table');
      if (values['verify-restore']) console.log(`restore drill: ${failed ? 'FAIL' : 'pass'}`);
    }
    return failed ? 1 : 0;
  });
}
