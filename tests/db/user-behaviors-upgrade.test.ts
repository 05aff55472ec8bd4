/** Upgrading existing moderation records: the migrations that changed their storage, and their rollbacks. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import type { Tx } from '../helpers/db.ts';
import { migratedUpTo, withScratchDatabase } from '../helpers/scratch-database.ts';
import { TENANT } from '../helpers/seed-ids.ts';
import { record } from '../helpers/user-behaviors.ts';

describe('migration 20261121210000 on existing moderation records', () => {
  it('moves each recent_actions array into ring slots, and its rollback rebuilds the array', async () => {
    await withScratchDatabase('shield_upgrade', { migrate: false }, async (db) => {
      const { sql, run, dir, migrations, target } = await migratedUpTo(db.open(), '20261121210000_tune_user_behavior_writes.sql');

      await sql`insert into public.tenants (id, slug, name) values (${TENANT.acme}, 'upgrade', 'Upgrade')`;
      for (let i = 1; i <= 60; i++) await record(sql as unknown as Tx, { severity: i % 2 ? 'low' : 'high', comment_id: `c${i}`, action_tags: [`t${i}`] }, { user: 'long' });
      for (let i = 1; i <= 3; i++) await record(sql as unknown as Tx, { severity: 'medium', toxicity_score: i / 10, comment_id: `s${i}` }, { user: 'short' });
      const before = await sql`select platform_user_id, recent_actions from public.user_behaviors order by platform_user_id`;

      // With the PostgreSQL 15-compatible enum checks that replaced its body later (20261201100000), so both majors run the same path.
      const enumChecks = '20261201100000_replace_pg16_enum_checks.sql';
      await run(path.join(dir('migrations'), migrations[target]));
      await run(path.join(dir('migrations'), enumChecks));
      const slots = await sql`select b.platform_user_id, a.slot, a.sequence, a.comment_id, a.severity, a.toxicity_score, a.action_tags
                              from public.user_behavior_actions a join public.user_behaviors b on b.id = a.behavior_id
                              order by b.platform_user_id, a.sequence`;
      const long = slots.filter((r) => r.platform_user_id === 'long');
      assert.deepEqual(long.map((r) => r.sequence), Array.from({ length: 50 }, (_, i) => i + 11));
      assert.deepEqual({ ...long[0] }, { platform_user_id: 'long', slot: 10, sequence: 11, comment_id: 'c11', severity: 'low', toxicity_score: null, action_tags: ['t11'] });
      assert.deepEqual(slots.filter((r) => r.platform_user_id === 'short').map((r) => [r.slot, r.sequence, r.comment_id, r.toxicity_score]),
        [[0, 1, 's1', '0.1000'], [1, 2, 's2', '0.2000'], [2, 3, 's3', '0.3000']]);
      const next = await record(sql as unknown as Tx, { severity: 'low', comment_id: 'c61' }, { user: 'long' });
      assert.equal(next.total_violations, 61);
      const [slot10] = await sql`select a.sequence, a.comment_id from public.user_behavior_actions a join public.user_behaviors b on b.id = a.behavior_id
                                 where b.platform_user_id = 'long' and a.slot = 10`;
      assert.deepEqual({ ...slot10 }, { sequence: 61, comment_id: 'c61' }, 'the next violation overwrites the oldest slot');

      await run(path.join(dir('rollbacks'), enumChecks.replace(/\.sql$/, '.down.sql')));
      await run(path.join(dir('rollbacks'), migrations[target].replace(/\.sql$/, '.down.sql')));
      const after = await sql`select platform_user_id, recent_actions from public.user_behaviors order by platform_user_id`;
      const comments = (rows: typeof before) => rows.map((r) => [r.platform_user_id, r.recent_actions.map((a: { comment_id: string }) => a.comment_id)]);
      assert.deepEqual(comments(after), [['long', Array.from({ length: 50 }, (_, i) => `c${i + 12}`)], comments(before)[1]]);
      assert.deepEqual(after[1].recent_actions.map((a: { toxicity_score: number }) => a.toxicity_score), [0.1, 0.2, 0.3]);
    });
  });
});

describe('migration 20261201160000 on existing moderation records', () => {
  it('keeps every record and ring slot through the domain column types, and its rollback keeps them too', async () => {
    await withScratchDatabase('shield_upgrade_domains', { migrate: false }, async (db) => {
      const { sql, run, dir, migrations, target } = await migratedUpTo(db.open(), '20261201160000_tune_user_behavior_rpc.sql');

      await sql`insert into public.tenants (id, slug, name) values (${TENANT.acme}, 'upgrade', 'Upgrade')`;
      const tx = sql as unknown as Tx;
      for (let i = 1; i <= 60; i++) await record(tx, { severity: i % 2 ? 'low' : 'high', comment_id: `c${i}`, action_tags: [`t${i}`], toxicity_score: i / 100 }, { user: 'long' });
      await record(tx, { severity: 'critical', toxicity_score: 1 }, { user: 'blocked', username: null });
      await record(tx, { severity: 'medium' }, { user: 'x'.repeat(200), username: 'y'.repeat(200) });
      const snapshot = async () => ({
        records: (await sql`select * from public.user_behaviors order by platform_user_id`).map((r) => ({ ...r })),
        ring: (await sql`select * from public.user_behavior_actions order by behavior_id, slot`).map((r) => ({ ...r })),
      });
      const before = await snapshot();
      assert.equal(before.ring.length, 52);

      await run(path.join(dir('migrations'), migrations[target]));
      assert.deepEqual(await snapshot(), before, 'the type changes keep every value');
      const [types] = await sql`select format_type(atttypid, atttypmod) as t from pg_attribute
                                where attrelid = 'public.user_behaviors'::regclass and attname = 'max_toxicity_score'`;
      assert.equal(types.t, 'toxicity_score');
      const next = await record(tx, { severity: 'low', comment_id: 'c61', toxicity_score: 0.5 }, { user: 'long' });
      assert.deepEqual([next.total_violations, next.max_toxicity_score, next.recent_action_count], [61, 0.6, 50]);
      const [slot10] = await sql`select a.sequence, a.comment_id from public.user_behavior_actions a join public.user_behaviors b on b.id = a.behavior_id
                                 where b.platform_user_id = 'long' and a.slot = 10`;
      assert.deepEqual({ ...slot10 }, { sequence: 61, comment_id: 'c61' }, 'the next violation overwrites the oldest slot');
      const after = await snapshot();

      await run(path.join(dir('rollbacks'), migrations[target].replace(/\.sql$/, '.down.sql')));
      assert.deepEqual(await snapshot(), after, 'the rollback keeps every value');
      const [checks] = await sql`select count(*)::int as n from pg_constraint where conrelid = 'public.user_behaviors'::regclass and contype = 'c'`;
      assert.equal(checks.n, 5, 'the one-column CHECKs are back');
    });
  });
});
