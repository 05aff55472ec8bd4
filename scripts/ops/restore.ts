/**
 * `npm run db:restore -- --file <name.dump> --drill [--target-url <server url>] [--json]`
 * `npm run db:restore -- --file <name.dump> --target-url <url> --confirm [--clean] [--json]`
 *
 * Both first check the archive against its manifest (`<name>.json` beside it, or --manifest):
 * a size or sha256 that differ are refused before anything is restored.
 *
 * --drill restores into a fresh scratch database on the server of --target-url (default: --db-url,
 * DATABASE_URL, else the local stack), compares every table's row count with the manifest, checks
 * the migration version, RLS on every public table, the RPCs, publications and storage policies,
 * drops the scratch database and prints pass or FAIL (exit 1).
 *
 * Without --drill it is a real restore into --target-url, a Supabase project or a database
 * bootstrapped by npm start, in one transaction (a failure leaves it unchanged). The target must
 * be empty (no app objects, history, accounts, buckets or objects) unless --clean is given, which
 * drops and re-creates what the backup holds and replaces the auth and storage rows. Needs --confirm.
 */
import path from 'node:path';
import { parseCli, runCli, targetDatabaseUrl } from '../lib/cli.ts';
import { withProgress } from '../lib/progress.ts';
import { StackError } from '../lib/stack-error.ts';
import { printChecks } from './backup/checks.ts';
import { loadBackup } from './backup/manifest.ts';
import { checkDumpableUrl } from './backup/pg-tools.ts';
import { drill, inspectTarget, type RestoreOutcome, restoreInto } from './backup/restore-run.ts';

const USAGE = 'npm run db:restore -- --file <name.dump> (--drill [--target-url <url>] | --target-url <url> --confirm [--clean]) [--manifest <file>] [--json] [--pg-bindir <dir>]';

function describeUrl(raw: string): string {
  const u = new URL(raw);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

function report(outcome: RestoreOutcome, json: boolean, extra: Record<string, unknown>, label: string): number {
  const failed = outcome.checks.filter((c) => !c.ok);
  if (json) {
    console.log(JSON.stringify({ ...extra, passed: failed.length === 0, checks: outcome.checks, notes: outcome.notes }, null, 2));
  } else {
    printChecks(outcome.checks);
    for (const n of outcome.notes) console.log(`note: ${n}`);
    console.log(`\n${label}: ${failed.length ? 'FAIL' : 'pass'} (${outcome.checks.length - failed.length} passed, ${failed.length} failed)`);
  }
  return failed.length ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('db:restore', async () => {
    const values = parseCli({
      file: { type: 'string' }, manifest: { type: 'string' }, drill: { type: 'boolean', default: false },
      'target-url': { type: 'string' }, 'db-url': { type: 'string' }, confirm: { type: 'boolean', default: false },
      clean: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, 'pg-bindir': { type: 'string' },
    }, USAGE);
    for (const flag of ['file', 'manifest', 'target-url', 'db-url', 'pg-bindir'] as const) {
      if (values[flag] !== undefined && values[flag].trim() === '') throw new StackError(`--${flag} needs a value`, `usage: ${USAGE}`);
    }
    if (!values.file) throw new StackError('--file is required (the .dump of a backup)', `usage: ${USAGE}`);
    if (values.drill && (values.confirm || values.clean)) throw new StackError('--drill restores into a scratch database: --confirm and --clean are for a real restore', `usage: ${USAGE}`);
    if (!values.drill && values['db-url']) throw new StackError('a real restore names its target with --target-url (--db-url is the drill\'s default server)', `usage: ${USAGE}`);
    if (!values.drill && !values['target-url']) throw new StackError('give --drill, or --target-url <url> --confirm for a real restore', `usage: ${USAGE}`);
    if (values['target-url']) checkDumpableUrl(values['target-url'], '--target-url');
    if (values['db-url']) checkDumpableUrl(values['db-url']);
    const file = path.resolve(values.file);
    const manifest = await loadBackup(file, values.manifest ? path.resolve(values.manifest) : undefined);
    if (values.drill) {
      const server = values['target-url'] ?? values['db-url'] ?? (await targetDatabaseUrl());
      const outcome = await withProgress('restore drill', () => drill(file, manifest, server, { pgBindir: values['pg-bindir'] }));
      return report(outcome, values.json, { mode: 'drill', file, server: describeUrl(server), database: outcome.database }, 'restore drill');
    }
    const url = values['target-url']!;
    if (!values.confirm) {
      throw new StackError(`a restore writes into ${describeUrl(url)}: add --confirm`, 'try it first with --drill, which restores into a scratch database and drops it');
    }
    const target = await inspectTarget(url);
    if (target.notSupabase.length) {
      throw new StackError(`${describeUrl(url)} is not a Supabase database (${target.notSupabase.join('; ')})`,
        'restore into a Supabase project or a database bootstrapped by npm start; --drill needs neither');
    }
    if (target.notEmpty.length && !values.clean) {
      throw new StackError(`${describeUrl(url)} is not empty (${target.notEmpty.join('; ')}): refusing to restore over it`,
        '--clean drops and re-creates what the backup holds and replaces the auth and storage rows');
    }
    const outcome = await withProgress(`restoring into ${describeUrl(url)}`, () => restoreInto(file, manifest, url, target, { clean: values.clean, pgBindir: values['pg-bindir'] }));
    if (!values.json) console.log(`restored ${manifest.file} (migration ${manifest.migrationVersion ?? 'none'}, taken ${manifest.createdAt}) into ${describeUrl(url)}`);
    return report(outcome, values.json, { mode: 'restore', file, target: describeUrl(url), clean: values.clean }, 'restore checks');
  });
}
