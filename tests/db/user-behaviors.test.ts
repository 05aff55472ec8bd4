/** Moderation counters: user_behaviors and atomic_update_user_behavior (the migration-024 checklist). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { asAnon, asOwner, asServiceRole, asUser, scenario, sqlError, type Tx } from '../helpers/db.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';
import { record } from '../helpers/user-behaviors.ts';

const CHECKLIST_PAYLOAD = { severity: 'medium', toxicity_score: 0.75, comment_id: 'test_comment', action_tags: ['warning'] };


describe('atomic_update_user_behavior', () => {
  it("has the checklist's signature: five arguments (the platform a moderation_platform), returns jsonb", async () => {
    const rows = await asOwner((tx) => tx`
      select p.proname, p.pronargs, t.typname, pg_get_function_identity_arguments(p.oid) as args
      from pg_proc p join pg_type t on t.oid = p.prorettype
      where p.proname = 'atomic_update_user_behavior'`);
    assert.deepEqual(rows.map((r) => [r.proname, r.pronargs, r.typname]), [['atomic_update_user_behavior', 5, 'jsonb']]);
    assert.equal(rows[0].args, 'p_organization_id uuid, p_platform moderation_platform, p_platform_user_id text, p_platform_username text, p_violation_data jsonb');
  });

  it("accepts the checklist's manual call and returns the documented keys", async () => {
    await asOwner(async (tx) => {
      const r = await tx`select atomic_update_user_behavior(${TENANT.acme}, 'twitter', 'test_user_123', 'test_username',
        '{"severity": "medium", "toxicity_score": 0.75, "comment_id": "test_comment", "action_tags": ["warning"]}') as r`.then((x) => x[0].r);
      assert.equal(r.user_id, 'test_user_123');
      assert.equal(r.total_violations, 1);
      assert.deepEqual(r.severity_counts, { low: 0, medium: 1, high: 0, critical: 0 });
      assert.ok(!Number.isNaN(Date.parse(r.last_violation_at)));
      assert.equal(r.last_toxicity_score, 0.75);
      assert.equal(r.is_blocked, false);
      assert.deepEqual(r.action.action_tags, ['warning']);
      for (const key of ['id', 'organization_id', 'platform', 'platform_username', 'max_toxicity_score', 'blocked_reason', 'recent_action_count']) {
        assert.ok(key in r, key);
      }
    });
  });

  it('adds up violations, severities, scores and the latest username', async () => {
    await asServiceRole(async (tx) => {
      await record(tx, { severity: 'low', toxicity_score: 0.31 });
      await record(tx, { severity: 'high', toxicity_score: 0.92 }, { username: 'renamed_troll' });
      const r = await record(tx, { severity: 'low' }, { username: null });
      assert.equal(r.total_violations, 3);
      assert.deepEqual(r.severity_counts, { low: 2, medium: 0, high: 1, critical: 0 });
      assert.equal(r.last_toxicity_score, 0.92, 'the last violation without a score keeps the last score');
      assert.equal(r.max_toxicity_score, 0.92);
      assert.equal(r.platform_username, 'renamed_troll');
      const other = await record(tx, { severity: 'low' }, { platform: 'reddit' });
      assert.equal(other.total_violations, 1, 'another platform is another account');
    });
  });

  it('blocks at a critical violation, three high ones or ten in all, and stays blocked', async () => {
    await asServiceRole(async (tx) => {
      let r = await record(tx, { severity: 'critical' }, { user: 'crit' });
      assert.deepEqual([r.is_blocked, r.blocked_reason], [true, 'critical violation']);
      r = await record(tx, { severity: 'low' }, { user: 'crit' });
      assert.deepEqual([r.is_blocked, r.blocked_reason], [true, 'critical violation']);
      for (let i = 0; i < 2; i++) r = await record(tx, { severity: 'high' }, { user: 'high' });
      assert.equal(r.is_blocked, false);
      r = await record(tx, { severity: 'high' }, { user: 'high' });
      assert.deepEqual([r.is_blocked, r.blocked_reason], [true, 'three high-severity violations']);
      for (let i = 0; i < 9; i++) r = await record(tx, { severity: 'low' }, { user: 'many' });
      assert.equal(r.is_blocked, false);
      r = await record(tx, { severity: 'medium' }, { user: 'many' });
      assert.deepEqual([r.is_blocked, r.blocked_reason], [true, 'ten violations']);
    });
  });

  it('keeps the last 50 actions in a ring of 50 slots, newest sequence = total', async () => {
    await asServiceRole(async (tx) => {
      for (let i = 1; i <= 60; i++) await record(tx, { severity: i % 2 ? 'low' : 'high', comment_id: `c${i}`, action_tags: ['warning', `t${i}`] }, { user: 'chatty' });
      const [row] = await tx`select id, total_violations from public.user_behaviors where platform_user_id = 'chatty'`;
      assert.equal(row.total_violations, 60);
      const actions = await tx`select slot, sequence, comment_id, severity, action_tags from public.user_behavior_actions
                               where behavior_id = ${row.id} order by sequence`;
      assert.equal(actions.length, 50);
      assert.deepEqual(actions.map((a) => a.sequence), Array.from({ length: 50 }, (_, i) => i + 11));
      assert.deepEqual({ ...actions[0] }, { slot: 10, sequence: 11, comment_id: 'c11', severity: 'low', action_tags: ['warning', 't11'] });
      assert.deepEqual({ ...actions[49] }, { slot: 9, sequence: 60, comment_id: 'c60', severity: 'high', action_tags: ['warning', 't60'] });
    });
  });

  it('lets members read their own tenant\'s recent actions only', async () => {
    await scenario(async (s) => {
      await s.as('service_role', (tx) => record(tx, { severity: 'low', comment_id: 'seen' }, { user: 'readable' }));
      const mine = await s.as({ user: USER.bob }, (tx) => tx`select comment_id from public.user_behavior_actions a
        join public.user_behaviors b on b.id = a.behavior_id where b.platform_user_id = 'readable'`);
      assert.deepEqual(mine.map((r) => r.comment_id), ['seen']);
      const theirs = await s.as({ user: USER.carol }, (tx) => tx`select count(*)::int as n from public.user_behavior_actions a
        join public.user_behaviors b on b.id = a.behavior_id where b.platform_user_id = 'readable'`);
      assert.equal(theirs[0].n, 0);
      const write = await s.errorAs({ user: USER.bob }, (tx) => tx`update public.user_behavior_actions set comment_id = 'x'`);
      assert.equal(write.code, '42501');
    });
  });

  it('rejects each invalid payload or argument with an SQLSTATE and writes nothing', async () => {
    const cases: [string, unknown, Record<string, unknown>, string][] = [
      ['no severity', { toxicity_score: 0.5 }, {}, '22023'],
      ['unknown severity', { severity: 'extreme' }, {}, '22023'],
      ['severity not a string', { severity: 3 }, {}, '22023'],
      ['score above 1', { severity: 'low', toxicity_score: 1.5 }, {}, '22023'],
      ['negative score', { severity: 'low', toxicity_score: -0.1 }, {}, '22023'],
      ['score as text', { severity: 'low', toxicity_score: '0.5' }, {}, '22023'],
      ['tags not an array', { severity: 'low', action_tags: 'warning' }, {}, '22023'],
      ['tags not strings', { severity: 'low', action_tags: ['ok', 7] }, {}, '22023'],
      ['comment id not a string', { severity: 'low', comment_id: 12345 }, {}, '22023'],
      ['unknown key', { severity: 'low', toxicity: 0.5 }, {}, '22023'],
      ['payload not an object', ['low'], {}, '22023'],
      ['empty platform user id', { severity: 'low' }, { user: '' }, '22023'],
      ['unknown organization', { severity: 'low' }, { org: '00000000-0000-4000-8000-00000000dead' }, '23503'],
    ];
    await asServiceRole(async (tx) => {
      for (const [name, data, opts, code] of cases) {
        const err = await sqlError(tx, (sp) => record(sp, data, opts));
        assert.equal(err.code, code, `${name}: ${err.message}`);
        assert.match(err.message, /atomic_update_user_behavior: /, name);
      }
      assert.equal((await sqlError(tx, (sp) => sp`select atomic_update_user_behavior(${TENANT.acme}, 'twitter', 'x', null, null)`)).code, '22004');
      // The platform is the enum: an unknown label fails its conversion before the call.
      for (const platform of ['myspace', 'Twitter', '']) {
        const err = await sqlError(tx, (sp) => record(sp, { severity: 'low' }, { platform }));
        assert.equal(err.code, '22P02', `${platform}: ${err.message}`);
        assert.match(err.message, /invalid input value for enum moderation_platform/);
      }
      const [row] = await tx`select count(*)::int as n from public.user_behaviors`;
      assert.equal(row.n, 0);
    });
  });

  it('keeps the rules on direct writes too: the columns\' domains and the CHECKs refuse what the RPC refuses (23514)', async () => {
    await asOwner(async (tx) => {
      const r = await record(tx, { severity: 'low', comment_id: 'ok' }, { user: 'direct' });
      const bad: [string, (sp: Tx) => Promise<unknown>][] = [
        ['empty platform user id', (sp) => sp`insert into public.user_behaviors (tenant_id, platform, platform_user_id) values (${TENANT.acme}, 'twitter', '')`],
        ['201-character username', (sp) => sp`update public.user_behaviors set platform_username = ${'x'.repeat(201)} where id = ${r.id}`],
        ['negative total', (sp) => sp`update public.user_behaviors set total_violations = -1 where id = ${r.id}`],
        ['score above 1', (sp) => sp`update public.user_behaviors set max_toxicity_score = 1.5 where id = ${r.id}`],
        ['blocked without reason', (sp) => sp`update public.user_behaviors set is_blocked = true where id = ${r.id}`],
        ['empty comment id', (sp) => sp`update public.user_behavior_actions set comment_id = '' where behavior_id = ${r.id}`],
        ['negative action score', (sp) => sp`update public.user_behavior_actions set toxicity_score = -0.5 where behavior_id = ${r.id}`],
        ['21 action tags', (sp) => sp`update public.user_behavior_actions set action_tags = ${Array.from({ length: 21 }, (_, i) => `t${i}`)} where behavior_id = ${r.id}`],
        ['slot off the ring', (sp) => sp`update public.user_behavior_actions set slot = 7 where behavior_id = ${r.id}`],
      ];
      for (const [name, write] of bad) assert.equal((await sqlError(tx, write)).code, '23514', name);
    });
  });
});

describe('atomic_update_user_behavior grants', () => {
  it('refuses anon', async () => {
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => record(sp, CHECKLIST_PAYLOAD))).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`select private.record_user_behavior_violation(${TENANT.acme}, 'twitter', 'x', null, '{"severity": "low"}')`)).code, '42501');
    });
  });

  it('refuses an authenticated user of another organization, and one without a profile', async () => {
    await asUser(USER.carol, async (tx) => {
      const err = await sqlError(tx, (sp) => record(sp, CHECKLIST_PAYLOAD));
      assert.equal(err.code, '42501');
      assert.match(err.message, /not a member of organization/);
    });
    await asUser('20000000-0000-4000-8000-0000000000ff', async (tx) => {
      assert.equal((await sqlError(tx, (sp) => record(sp, CHECKLIST_PAYLOAD))).code, '42501');
    });
  });

  it('lets members of the organization and service_role record, but nobody write the table directly', async () => {
    await scenario(async (s) => {
      const byMember = await s.as({ user: USER.bob }, (tx) => record(tx, CHECKLIST_PAYLOAD));
      assert.equal(byMember.total_violations, 1);
      const byService = await s.as('service_role', (tx) => record(tx, CHECKLIST_PAYLOAD));
      assert.equal(byService.total_violations, 2);
      const seen = await s.as({ user: USER.alice }, (tx) => tx`select total_violations from public.user_behaviors`);
      assert.deepEqual(seen.map((r) => r.total_violations), [2]);
      assert.equal((await s.as({ user: USER.carol }, (tx) => tx`select id from public.user_behaviors`)).length, 0);
      assert.equal((await s.errorAs({ user: USER.bob }, (tx) => tx`update public.user_behaviors set total_violations = 0`)).code, '42501');
      assert.equal((await s.errorAs({ user: USER.bob }, (tx) => tx`insert into public.user_behaviors (tenant_id, platform, platform_user_id) values (${TENANT.acme}, 'twitter', 'x')`)).code, '42501');
      assert.equal((await s.errorAs({ user: USER.bob }, (tx) => tx`delete from public.user_behaviors`)).code, '42501');
    });
  });
});

describe('atomic_update_user_behavior under concurrency', () => {
  it('200 concurrent calls on separate connections give exact totals and severity counts, first violations included; the scripts agree', async () => {
    await withScratchDatabase('shield_concurrency', { migrate: true, seed: true }, async (db) => {
      const pool = db.open(40, 'authenticator');
      const severities = ['low', 'medium', 'high', 'critical'] as const;
      await Promise.all(Array.from({ length: 200 }, (_, i) => pool.begin(async (tx) => {
        await tx`select set_config('role', 'service_role', true)`;
        await record(tx, { severity: severities[i % 4], toxicity_score: (i % 100) / 100, comment_id: `c${i}` }, { user: 'hot_account' });
      })));
      const [row] = await db.open()`select total_violations, severity_counts, max_toxicity_score,
                                       (select count(*)::int from public.user_behavior_actions a where a.behavior_id = b.id) as recent
                                     from public.user_behaviors b where platform_user_id = 'hot_account'`;
      assert.deepEqual({ ...row }, { total_violations: 200, severity_counts: { low: 50, medium: 50, high: 50, critical: 50 }, max_toxicity_score: '0.9900', recent: 50 });
      const [ring] = await db.open()`select array_agg(a.sequence order by a.sequence) as sequences, bool_and(a.slot = (a.sequence - 1) % 50) as slotted
                                      from public.user_behavior_actions a join public.user_behaviors b on b.id = a.behavior_id
                                      where b.platform_user_id = 'hot_account'`;
      assert.deepEqual(ring.sequences, Array.from({ length: 50 }, (_, i) => i + 151), 'concurrent calls fill distinct slots with the newest 50');
      assert.equal(ring.slotted, true);

      // First violations racing: 200 calls over 8 new accounts, 25 each, from 40 connections.
      await Promise.all(Array.from({ length: 200 }, (_, i) => pool.begin(async (tx) => {
        await tx`select set_config('role', 'service_role', true)`;
        await record(tx, { severity: severities[i % 4], comment_id: `n${i}` }, { user: `new_${i % 8}` });
      })));
      const fresh = await db.open()`select b.platform_user_id, b.total_violations, b.severity_counts,
                                       array_agg(a.sequence order by a.sequence) as sequences
                                     from public.user_behaviors b join public.user_behavior_actions a on a.behavior_id = b.id
                                     where b.platform_user_id like 'new\_%' group by b.id order by 1`;
      assert.equal(fresh.length, 8, 'one record per account');
      for (const r of fresh) {
        assert.equal(r.total_violations, 25, r.platform_user_id);
        assert.deepEqual(r.sequences, Array.from({ length: 25 }, (_, i) => i + 1), `${r.platform_user_id}: one ring slot per violation`);
      }

      const env = { ...process.env, DATABASE_URL: db.url };
      const script = (name: string, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', `scripts/ops/shield/${name}.ts`, ...args], { cwd: repoRoot, env, encoding: 'utf8' });
      const fired = script('test-concurrent-actions', '--user-id=hot_account', '--actions=100', '--platform=twitter', `--org=${TENANT.acme}`);
      assert.equal(fired.status, 0, fired.stdout + fired.stderr);
      assert.match(fired.stdout, /^ok: 100 concurrent actions on twitter\/hot_account .*count 200 -> 300 \(expected 300\), 0 failed/m);
      const good = script('verify-count', '--user-id=hot_account', '--expected-count=300');
      assert.equal(good.status, 0, good.stdout + good.stderr);
      assert.match(good.stdout, /^ok: twitter\/hot_account in organization .* has 300 violations$/m);
      const bad = script('verify-count', '--user-id=hot_account', '--expected-count=299');
      assert.equal(bad.status, 1);
      assert.match(bad.stdout, /^FAIL: .* has 300 violations, expected 299$/m);
      const usage = script('test-concurrent-actions', '--actions=abc', '--user-id=x');
      assert.equal(usage.status, 1);
      assert.match(usage.stderr, /^test-concurrent-actions: --actions must be a positive whole number, got "abc"$/m);
      const missing = script('verify-count', '--expected-count=1');
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /--user-id=<platform user id> is required/);
      assert.match(missing.stderr, /hint: usage: verify-count\.ts/);
      const unknownOrg = script('test-concurrent-actions', '--user-id=x', '--actions=2', '--org=00000000-0000-4000-8000-00000000dead');
      assert.equal(unknownOrg.status, 1);
      assert.match(unknownOrg.stdout, /^FAIL: .*2 failed, \d+ ms; first error: atomic_update_user_behavior: organization .* does not exist/m);
      const unknownPlatform = script('verify-count', '--user-id=x', '--expected-count=1', '--platform=myspace');
      assert.equal(unknownPlatform.status, 1);
      assert.match(unknownPlatform.stderr, /--platform must be one of twitter, .*slack \(got "myspace"\)/);
    });
  });
});
