/**
 * `supabase db advisors` (splinter) on the migrated database: no ERROR and no WARN. A scratch
 * database with a deliberately unsafe table proves the advisors really see the exposed schema
 * (no false all-clear). The CLI's bundled splinter (3.1.0) has no lints 0028/0029 (SECURITY
 * DEFINER functions executable by anon/authenticated): tests/db/security-invariants.test.ts checks those.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliUrl, runSupabaseCli } from '../../scripts/lib/supabase-cli.ts';
import { dbUrl } from '../helpers/db.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';

interface Lint { name: string; level: 'ERROR' | 'WARN' | 'INFO'; detail: string }

async function advisors(url: string): Promise<Lint[]> {
  const { stdout } = await runSupabaseCli(['db', 'advisors', `--remote=${cliUrl(url)}`, '--yes', '--output-format', 'json']);
  const json = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { results?: Lint[] };
  assert.ok(Array.isArray(json.results), `unexpected advisors output: ${stdout.slice(0, 300)}`);
  return json.results;
}

describe('supabase db advisors', () => {
  it('report no ERROR and no WARN on the migrated database', async () => {
    const lints = await advisors(dbUrl());
    const serious = lints.filter((l) => l.level !== 'INFO').map((l) => `${l.level} ${l.name}: ${l.detail}`);
    assert.deepEqual(serious, []);
  });

  it('do flag an RLS-less table and a function with a mutable search_path (the check is live)', async () => {
    await withScratchDatabase('advisors_probe', { migrate: false }, async (db) => {
      const probe = db.open();
      await probe`create table public.leaky (id int primary key, secret text)`;
      await probe`create function public.mutable_path_probe() returns int language sql as 'select 1'`;
      const names = (await advisors(db.url)).map((l) => l.name);
      assert.ok(names.includes('rls_disabled_in_public'), names.join(', '));
      assert.ok(names.includes('function_search_path_mutable'), names.join(', '));
    });
  });
});
