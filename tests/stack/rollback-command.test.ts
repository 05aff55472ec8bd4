/** `npm run rollback`: reverts with the down scripts and the CLI's history repair, and refuses on purpose. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { planRollback } from '../../scripts/ops/rollback.ts';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { dbPush } from '../../scripts/lib/supabase-cli.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { schemaSnapshot } from '../../scripts/lib/schema-snapshot.ts';
import { TENANT } from '../helpers/seed-ids.ts';

const rollback = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/ops/rollback.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });
const migrations = fs.readdirSync(path.join(repoRoot, 'supabase', 'migrations')).filter((f) => f.endsWith('.sql')).sort();
const versions = migrations.map((f) => f.split('_')[0]);

describe('npm run rollback', () => {
  it('--last reverts the newest migration, keeps the other tables\' data, and db push applies it again', async () => {
    await withScratchDatabase('rollback_last', { migrate: true, seed: true }, async (db) => {
      const sql = db.open();
      const before = await schemaSnapshot(sql);
      const out = rollback('--last', '--db-url', db.url);
      assert.equal(out.status, 0, out.stdout + out.stderr);
      assert.match(out.stdout, new RegExp(`reverted ${migrations.at(-1)!.replace('.sql', '')}`));
      const history = await sql`select version from supabase_migrations.schema_migrations order by version`;
      assert.deepEqual(history.map((r) => r.version), versions.slice(0, -1));
      const [kept] = await sql`select (select count(*) from public.tenants where id = any(${Object.values(TENANT)}::uuid[]))::int as tenants,
                                      (select count(*) from public.conversations)::int as conversations,
                                      (select count(*) from public.messages)::int as messages`;
      assert.deepEqual({ ...kept }, { tenants: 3, conversations: 7, messages: 14 });
      await dbPush(db.url);
      assert.deepEqual(await schemaSnapshot(sql), before, 'applied again, the schema is the same');
    });
  });

  it('rolls everything back to a bootstrapped database, and the migrations apply again to the same schema', async () => {
    await withScratchDatabase('rollback_all', { migrate: true }, async (db) => {
      const sql = db.open();
      const full = await schemaSnapshot(sql);
      const out = rollback('0', '--db-url', db.url);
      assert.equal(out.status, 0, out.stdout + out.stderr);
      assert.equal(out.stdout.match(/^reverted /gm)?.length, migrations.length);
      const [left] = await sql`select (select count(*) from pg_class where relnamespace = 'public'::regnamespace)::int as public_relations,
                                      to_regnamespace('private') is null as private_gone,
                                      (select count(*) from supabase_migrations.schema_migrations)::int as history`;
      assert.deepEqual({ ...left }, { public_relations: 0, private_gone: true, history: 0 });
      await dbPush(db.url);
      assert.deepEqual(await schemaSnapshot(sql), full);
    });
  });

  it('refuses a database with migrations the local files do not have, and changes nothing', async () => {
    await withScratchDatabase('rollback_unknown', { migrate: true }, async (db) => {
      const sql = db.open();
      await sql`insert into supabase_migrations.schema_migrations (version, name) values ('99991231000000', 'from_elsewhere')`;
      const out = rollback('--last', '--db-url', db.url);
      assert.equal(out.status, 1);
      assert.match(out.stderr, /^rollback: the database has migrations the local files do not: 99991231000000$/m);
      const [n] = await sql`select count(*)::int as n from supabase_migrations.schema_migrations`;
      assert.equal(n.n, versions.length + 1);
    });
  });

  it('refuses a remote database without --yes, bad arguments, and missing down scripts', () => {
    const remote = rollback('--last', '--db-url', 'postgresql://postgres:secret@db.abcdefgh.supabase.co:5432/postgres');
    assert.equal(remote.status, 1);
    assert.match(remote.stderr, /db\.abcdefgh\.supabase\.co is not a local database: rolling back there needs --yes/);
    const both = rollback('--last', '20261121140000');
    assert.equal(both.status, 1);
    assert.match(both.stderr, /give exactly one of <version> or --last/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-plan-'));
    fs.mkdirSync(path.join(dir, 'migrations'));
    fs.mkdirSync(path.join(dir, 'rollbacks'));
    fs.writeFileSync(path.join(dir, 'migrations', '20260101000000_create_a.sql'), '');
    fs.writeFileSync(path.join(dir, 'migrations', '20260102000000_create_b.sql'), '');
    fs.writeFileSync(path.join(dir, 'rollbacks', '20260101000000_create_a.down.sql'), '');
    const dirs = { migrations: path.join(dir, 'migrations'), rollbacks: path.join(dir, 'rollbacks') };
    assert.throws(() => planRollback(['20260101000000', '20260102000000'], { last: true }, dirs), /missing down script\(s\): 20260102000000_create_b\.down\.sql/);
    fs.writeFileSync(path.join(dir, 'rollbacks', '20260102000000_create_b.down.sql'), '');
    assert.deepEqual(planRollback(['20260101000000', '20260102000000'], { last: false, version: '0' }, dirs).revert, ['20260102000000', '20260101000000']);
    assert.deepEqual(planRollback(['20260101000000', '20260102000000'], { last: false, version: '20260101000000' }, dirs).revert, ['20260102000000']);
    assert.throws(() => planRollback(['20260101000000'], { last: false, version: '20250101000000' }, dirs), /is not applied here/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
