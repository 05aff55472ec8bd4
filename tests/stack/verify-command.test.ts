/** `npm run verify` and `npm run db:push`: pass on a correct database, name every deliberate breakage. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';

const run = (script: string, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', `scripts/ops/${script}.ts`, ...args], { cwd: repoRoot, encoding: 'utf8' });

describe('npm run verify', () => {
  it('passes on a migrated database, with a JSON and a Markdown report', async () => {
    await withScratchDatabase('verify_clean', { migrate: true, seed: true }, async (db) => {
      const report = path.join(os.tmpdir(), `verify-${process.pid}.md`);
      const out = run('verify', '--db-url', db.url, '--report', report);
      assert.equal(out.status, 0, out.stdout + out.stderr);
      for (const section of ['preflight', 'structure', 'smoke', 'performance', 'advisors']) {
        assert.match(out.stdout, new RegExp(`^pass  ${section}`, 'm'), section);
      }
      assert.match(out.stdout, /^\d+ passed, 0 failed$/m);
      assert.match(fs.readFileSync(report, 'utf8'), /\| smoke \| the smoke transaction left no trace \| pass \|/);
      fs.rmSync(report);
      const json = JSON.parse(run('verify', '--db-url', db.url, '--json', '--only', 'preflight').stdout);
      assert.deepEqual([json.failed, json.items.every((i: { section: string }) => i.section === 'preflight')], [0, true]);
    });
  });

  it('fails and names the item after each deliberate breakage', async () => {
    await withScratchDatabase('verify_broken', { migrate: true, seed: true }, async (db) => {
      const sql = db.open();
      const breakages: [string, string, string, RegExp][] = [
        ['drop a named index', 'drop index public.idx_ai_dialogue_created_at', 'create index idx_ai_dialogue_created_at on public.ai_dialogue_log (created_at)', /FAIL  structure.*checklist indexes by name.*missing idx_ai_dialogue_created_at/],
        ['disable RLS', 'alter table public.materials disable row level security', 'alter table public.materials enable row level security', /FAIL  structure.*RLS enabled on every public table.*RLS off: materials/],
        ['SECURITY DEFINER function to anon', 'grant execute on function private.current_tenant_id() to anon', 'revoke execute on function private.current_tenant_id() from anon', /FAIL  structure.*SECURITY DEFINER.*private\.current_tenant_id/],
        ['delete a default plugin', "delete from public.plugin_registry where source = 'note'", "insert into public.plugin_registry (name, source, capabilities, config, version, health_status) values ('Note.com Integration', 'note', '[\"search\", \"fetch\", \"sync\"]', '{\"base_url\": \"https://note.com\"}', '1.0.0', 'unknown')", /FAIL  structure.*default plugins note and local.*found local/],
        ['summary selectable by authenticated', 'grant select on private.message_feedback_summary to authenticated', 'revoke select on private.message_feedback_summary from authenticated', /FAIL  structure.*materialized views not selectable.*private\.message_feedback_summary/],
      ];
      for (const [name, breakSql, repairSql, expected] of breakages) {
        await sql.unsafe(breakSql);
        const out = run('verify', '--db-url', db.url, '--only', 'structure');
        assert.equal(out.status, 1, `${name}: verify should fail`);
        assert.match(out.stdout, expected, name);
        await sql.unsafe(repairSql);
      }
      const healed = run('verify', '--db-url', db.url, '--only', 'structure');
      assert.equal(healed.status, 0, healed.stdout);
    });
  });

  it('reports an unreachable database as a failed connection and refuses a bad section', () => {
    const down = run('verify', '--db-url', 'postgresql://postgres:postgres@127.0.0.1:1/postgres', '--only', 'preflight');
    assert.equal(down.status, 1);
    assert.match(down.stdout, /^FAIL  preflight\s+connection/m);
    const bad = run('verify', '--only', 'everything');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--only must be one of preflight, structure, smoke, performance, advisors/);
  });
});

describe('npm run db:push', () => {
  it('pre-flights, dry-runs, pushes and verifies a bootstrapped database', async () => {
    await withScratchDatabase('db_push', { migrate: false }, async (db) => {
      const out = run('db-push', '--db-url', db.url);
      assert.equal(out.status, 0, out.stdout + out.stderr);
      assert.match(out.stdout, /would apply:/);
      assert.match(out.stdout, /^push: \d+ migration\(s\) applied$/m);
      assert.match(out.stdout, /^verify: \d+ passed, 0 failed$/m);
      const again = run('db-push', '--db-url', db.url);
      assert.match(again.stdout, /no migrations to apply/);
    });
  });

  it('refuses a remote database without --yes', () => {
    const out = run('db-push', '--db-url', 'postgresql://postgres:x@db.abcdefgh.supabase.co:5432/postgres');
    assert.equal(out.status, 1);
    assert.match(out.stderr, /not a local database: pushing there needs --yes/);
  });
});
