/**
 * `npm run rollback -- <version> | --last [--db-url <url>] [--yes]`: reverts applied migrations,
 * newest first, with their down scripts (supabase/rollbacks/<migration>.down.sql), each in a
 * transaction of its own, and marks each reverted in the history with
 * `supabase migration repair --status reverted`.
 *
 *   <version>  roll back to that version: every applied migration newer than it is reverted
 *              (`0` reverts them all)
 *   --last     revert the newest applied migration only
 *
 * Refuses, before changing anything, when a down script is missing, when the database has
 * migrations the local files do not, or when the target is not a local database and --yes is
 * not given. Uses --db-url, else DATABASE_URL, else the local stack.
 */
import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { parseCli, runCli, targetDatabaseUrl } from '../lib/cli.ts';
import { withProgress } from '../lib/progress.ts';
import { StackError } from '../lib/stack-error.ts';
import { supabaseDir } from '../lib/stack-config.ts';
import { cliUrl, runSupabaseCli } from '../lib/supabase-cli.ts';

const USAGE = 'npm run rollback -- <version> | --last [--db-url <url>] [--yes]';

export interface RollbackPlan { revert: string[]; files: Map<string, string> }

/** Which versions to revert (newest first) and their down scripts; throws StackError when it must refuse. */
export function planRollback(applied: string[], target: { last: boolean; version?: string },
  dirs = { migrations: path.join(supabaseDir, 'migrations'), rollbacks: path.join(supabaseDir, 'rollbacks') }): RollbackPlan {
  const migrationsDir = dirs.migrations;
  const rollbacksDir = dirs.rollbacks;
  const local = new Map(fs.readdirSync(migrationsDir).filter((f) => /^\d+_.*\.sql$/.test(f)).map((f) => [f.split('_')[0], f]));
  const unknown = applied.filter((v) => !local.has(v));
  if (unknown.length) {
    throw new StackError(`the database has migrations the local files do not: ${unknown.join(', ')}`,
      'pull or check out the code that applied them before rolling back');
  }
  let revert: string[];
  if (target.last) {
    revert = applied.slice(-1);
  } else {
    const version = target.version!;
    if (version !== '0' && !applied.includes(version)) {
      throw new StackError(`version ${version} is not applied here`, `applied: ${applied.join(', ') || 'none'}; use 0 to revert everything`);
    }
    revert = applied.filter((v) => v > version);
  }
  revert = [...revert].sort().reverse();
  const files = new Map<string, string>();
  const missing: string[] = [];
  for (const v of revert) {
    const down = path.join(rollbacksDir, local.get(v)!.replace(/\.sql$/, '.down.sql'));
    if (fs.existsSync(down)) files.set(v, down);
    else missing.push(path.basename(down));
  }
  if (missing.length) throw new StackError(`missing down script(s): ${missing.join(', ')}`, 'write the rollback before rolling back; nothing was changed');
  return { revert, files };
}

export function isLocalDatabase(url: string): boolean {
  const host = new URL(url).hostname;
  return ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('rollback', async () => {
    const args = process.argv.slice(2);
    const values = parseCli({ last: { type: 'boolean', default: false }, 'db-url': { type: 'string' }, yes: { type: 'boolean', default: false } },
      USAGE, args.filter((a) => !/^\d+$/.test(a)));
    const versions = args.filter((a) => /^\d+$/.test(a));
    if ((values.last ? 1 : 0) + versions.length !== 1) throw new StackError('give exactly one of <version> or --last', `usage: ${USAGE}`);
    const url = values['db-url'] ?? (await targetDatabaseUrl());
    if (!isLocalDatabase(url) && !values.yes) {
      throw new StackError(`${new URL(url).hostname} is not a local database: rolling back there needs --yes`, `usage: ${USAGE}`);
    }
    const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
    try {
      const history = await sql<{ version: string }[]>`
        select version from supabase_migrations.schema_migrations order by version`.catch(() => {
        throw new StackError('the database has no migration history (supabase_migrations.schema_migrations)', 'nothing to roll back');
      });
      const plan = planRollback(history.map((r) => r.version), { last: values.last, version: versions[0] });
      if (plan.revert.length === 0) {
        console.log('nothing to roll back');
        return 0;
      }
      for (const version of plan.revert) {
        const t0 = performance.now();
        await withProgress(`rolling back ${version}`, async () => {
          await sql.begin((tx) => tx.unsafe(fs.readFileSync(plan.files.get(version)!, 'utf8')));
          await runSupabaseCli(['migration', 'repair', '--status', 'reverted', version, `--remote=${cliUrl(url)}`, '--yes']);
        });
        console.log(`reverted ${path.basename(plan.files.get(version)!, '.down.sql')} (${Math.round(performance.now() - t0)} ms)`);
      }
      console.log(`rolled back ${plan.revert.length} migration(s); the newest applied is now ${
        history.map((r) => r.version).filter((v) => !plan.revert.includes(v)).at(-1) ?? 'none'}`);
      return 0;
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
}
