/**
 * Every migration's rollback is its exact inverse: on a scratch database, apply the migrations
 * one by one, then roll them back newest first, checking after each rollback that the schema is
 * exactly what it was before that migration; then apply them all again and get the same schema.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { schemaSnapshot } from '../../scripts/lib/schema-snapshot.ts';

const migrationsDir = path.join(repoRoot, 'supabase', 'migrations');
const rollbacksDir = path.join(repoRoot, 'supabase', 'rollbacks');
const migrations = fs.readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).sort();

describe('rollbacks', () => {
  it('undo each migration exactly, newest first, and the migrations apply again to the same schema', async () => {
    await withScratchDatabase('rollbacks', { migrate: false }, async (db) => {
      const sql = db.open();
      const run = (file: string) => sql.begin((tx) => tx.unsafe(fs.readFileSync(file, 'utf8')));
      const snapshots = [await schemaSnapshot(sql)];
      for (const m of migrations) {
        await run(path.join(migrationsDir, m));
        snapshots.push(await schemaSnapshot(sql));
      }
      for (let i = migrations.length - 1; i >= 0; i--) {
        await run(path.join(rollbacksDir, migrations[i].replace(/\.sql$/, '.down.sql')));
        assert.deepEqual(await schemaSnapshot(sql), snapshots[i], `rolling back ${migrations[i]} does not restore the schema before it`);
      }
      for (const m of migrations) await run(path.join(migrationsDir, m));
      assert.deepEqual(await schemaSnapshot(sql), snapshots.at(-1), 'applying again gives another schema');
    });
  });

  it('roll back a seeded database completely', async () => {
    await withScratchDatabase('rollbacks_seeded', { migrate: true, seed: true }, async (db) => {
      const sql = db.open();
      for (const m of [...migrations].reverse()) {
        await sql.begin((tx) => tx.unsafe(fs.readFileSync(path.join(rollbacksDir, m.replace(/\.sql$/, '.down.sql')), 'utf8')));
      }
      const [left] = await sql`select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace`;
      assert.equal(left.n, 0);
      const [priv] = await sql`select to_regnamespace('private') is null as gone`;
      assert.equal(priv.gone, true);
    });
  });
});
