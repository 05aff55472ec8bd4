/**
 * `npm run db:push -- --db-url <url> [--yes]`: a guarded deployment. Pre-flight (connection,
 * server version, Supabase roles), `supabase db push --dry-run` (what would be applied), the push
 * itself (stops at the first failing migration), then `npm run verify` on the result; one summary.
 * A non-local database needs --yes.
 */
import postgres from 'postgres';
import { parseCli, runCli } from '../lib/cli.ts';
import { withProgress } from '../lib/progress.ts';
import { StackError } from '../lib/stack-error.ts';
import { isLocalDatabase } from './rollback.ts';
import { cliUrl, runSupabaseCli } from '../lib/supabase-cli.ts';
import { verify } from './verify.ts';

const USAGE = 'npm run db:push -- --db-url <url> [--yes]';

await runCli('db:push', async () => {
  const values = parseCli({ 'db-url': { type: 'string' }, yes: { type: 'boolean', default: false } }, USAGE);
  const url = values['db-url'];
  if (!url) throw new StackError('--db-url is required', `usage: ${USAGE}`);
  if (!isLocalDatabase(url) && !values.yes) {
    throw new StackError(`${new URL(url).hostname} is not a local database: pushing there needs --yes`, `usage: ${USAGE}`);
  }
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
