/**
 * The moderation rule and ring size of 20261201110200, each stated once:
 * private.user_behavior_block_reason (the blocking thresholds) and private.user_behavior_ring_size
 * (the recent-action ring). Their results, refusals and grants; the ring size against the CHECK of
 * user_behavior_actions; and the whole RPC against the previous definitions of
 * private.record_user_behavior_violation (20261201100000, before the rule functions;
 * 20261201110200, before the plain-update write path of 20261201160000; 20261201160000, before the
 * platform became a moderation_platform argument), on the same random run of violations with
 * accounts unblocked by hand now and then.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { asAnon, asOwner, asUser, scenario, sqlError, type Tx } from '../helpers/db.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

const reason = (tx: Tx, severity: string | null, count: number | null, total: number | null) =>
  tx`select private.user_behavior_block_reason(${severity}::public.violation_severity, ${count}::int, ${total}::int) as r`.then((rows) => rows[0].r);

describe('private.user_behavior_block_reason', () => {
  it('blocks on the first critical, the third high or the tenth violation in all, in that order', async () => {
    await scenario(async (s) => {
      const cases: [string, number, number, string | null][] = [
        ['critical', 1, 1, 'critical violation'], ['critical', 2, 10, 'critical violation'],
        ['high', 2, 2, null], ['high', 3, 3, 'three high-severity violations'], ['high', 3, 10, 'three high-severity violations'],
        ['high', 2, 9, null], ['high', 2, 10, 'ten violations'],
        ['medium', 1, 9, null], ['medium', 5, 10, 'ten violations'], ['low', 9, 9, null], ['low', 1, 11, 'ten violations'],
      ];
      for (const [severity, count, total, expected] of cases) {
        assert.equal(await s.as('service_role', (tx) => reason(tx, severity, count, total)), expected, `${severity} ${count}/${total}`);
      }
    });
  });

  it('refuses null arguments and counts below 1', async () => {
    await scenario(async (s) => {
      const missing: [string | null, number | null, number | null][] = [[null, 1, 1], ['low', null, 1], ['low', 1, null]];
      for (const args of missing) {
        const err = await s.errorAs('service_role', (tx) => reason(tx, ...args));
        assert.deepEqual([err.code, /are required/.test(err.message)], ['22004', true], JSON.stringify(args));
      }
      const low: [string, number, number][] = [['high', 0, 3], ['low', 1, 0]];
      for (const args of low) {
        const err = await s.errorAs('service_role', (tx) => reason(tx, ...args));
        assert.deepEqual([err.code, /at least 1/.test(err.message)], ['22023', true], JSON.stringify(args));
      }
      assert.equal((await s.errorAs('service_role', (tx) => reason(tx, 'severe', 1, 1))).code, '22P02', 'not a severity');
    });
  });
});

describe('private.user_behavior_ring_size', () => {
  it('is 50, the modulus of the CHECK on user_behavior_actions', async () => {
    await asOwner(async (tx) => {
      const [row] = await tx`select private.user_behavior_ring_size() as size,
        pg_get_constraintdef(c.oid) as def from pg_constraint c where c.conname = 'user_behavior_actions_valid'`;
      assert.equal(row.size, 50);
      assert.match(row.def, /\(slot = \(\(sequence - 1\) % (\d+)\)\)/);
      assert.equal(Number(/% (\d+)\)/.exec(row.def)![1]), row.size, 'the ring size and the CHECK agree');
    });
  });
});

describe('the rule helpers: who may execute them', () => {
  const calls = ["select private.user_behavior_block_reason('low', 1, 1)", 'select private.user_behavior_ring_size()'];
  it('anon and authenticated may not; service_role may', async () => {
    for (const call of calls) {
      await asUser(USER.alice, async (tx) => assert.equal((await sqlError(tx, (sp) => sp.unsafe(call))).code, '42501', call));
      await asAnon(async (tx) => assert.equal((await sqlError(tx, (sp) => sp.unsafe(call))).code, '42501', call));
      await scenario(async (s) => { await s.as('service_role', (tx) => tx.unsafe(call)); });
    }
    const [grants] = await asOwner((tx) => tx`
      select bool_or(has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute')) as api,
             bool_and(has_function_privilege('service_role', p.oid, 'execute')) as service
      from pg_proc p where p.oid in ('private.user_behavior_block_reason(public.violation_severity, integer, integer)'::regprocedure,
                                     'private.user_behavior_ring_size()'::regprocedure)`);
    assert.deepEqual({ ...grants }, { api: false, service: true });
  });
});

/** The statement that defined private.record_user_behavior_violation in a migration. */
function previousDefinition(migration: string): string {
  const text = fs.readFileSync(path.join(repoRoot, 'supabase', 'migrations', migration), 'utf8');
  const start = text.indexOf('create or replace function private.record_user_behavior_violation(');
  return text.slice(start, text.indexOf('\n$$;', start) + 4);
}

/**
 * 2000 violations over 150 accounts, both skewed low (a few accounts pass 50 violations and
 * overwrite ring slots); some with a score, tags or a new username; one in five followed by an
 * unblock by hand.
 */
const run = (tx: Tx, prefix: string, call: string, platform: string) => tx.unsafe(`
  do $$
  declare i int; s text; acct text;
  begin
    perform setseed(0.5);
    for i in 1..2000 loop
      acct := '${prefix}' || floor(random() * random() * 150)::int;
      s := (array['low', 'medium', 'high', 'critical'])[1 + floor(random() * random() * 4)::int];
      perform ${call}('${TENANT.acme}', ${platform}, acct, case when random() < 0.3 then 'name' || i end,
        jsonb_build_object('severity', s, 'comment_id', 'c' || i)
        || case when random() < 0.5 then jsonb_build_object('toxicity_score', round(random()::numeric, 3)) else '{}' end
        || case when random() < 0.3 then jsonb_build_object('action_tags', jsonb_build_array('warning', 't' || i)) else '{}' end);
      if random() < 0.2 then
        update public.user_behaviors set is_blocked = false, blocked_reason = null, blocked_at = null
        where tenant_id = '${TENANT.acme}' and platform = 'twitter' and platform_user_id = acct;
      end if;
    end loop;
  end $$`);

const state = (tx: Tx, prefix: string) => tx`
  select substr(b.platform_user_id, ${prefix.length + 1}) as account, b.platform_username, b.total_violations, b.severity_counts,
         b.last_toxicity_score, b.max_toxicity_score, b.is_blocked, b.blocked_reason,
         (select array_agg(a.slot || ':' || a.sequence || ':' || a.comment_id || ':' || a.severity || ':' || coalesce(a.toxicity_score::text, '-')
                           || ':' || a.action_tags::text order by a.slot)
          from public.user_behavior_actions a where a.behavior_id = b.id) as ring
  from public.user_behaviors b where b.tenant_id = ${TENANT.acme} and b.platform_user_id like ${`${prefix}%`}
  order by 1`;

describe('record_user_behavior_violation against its previous definitions', () => {
  const previous = ['20261201100000_replace_pg16_enum_checks.sql', '20261201110200_extract_user_behavior_rules.sql', '20261201160000_tune_user_behavior_rpc.sql'];
  for (const migration of previous) {
    it(`records exactly what ${migration.slice(0, 14)} recorded, blocks, reasons, scores and ring included`, async () => {
      await asOwner(async (tx) => {
        await run(tx, 'rule-new-', 'public.atomic_update_user_behavior', "'twitter'");
        const now = await state(tx, 'rule-new-');
        // The previous definitions take the platform as text: created next to the current one
        // (an overload, rolled back with the transaction) and called with a text platform, which
        // only they accept.
        await tx.unsafe(previousDefinition(migration));
        await run(tx, 'rule-old-', 'private.record_user_behavior_violation', "'twitter'::text");
        const before = await state(tx, 'rule-old-');
        assert.ok(now.length > 100 && now.some((r) => r.is_blocked) && now.some((r) => !r.is_blocked), 'the run exercises both outcomes');
        assert.ok(now.some((r) => r.total_violations > 50), 'the run overwrites ring slots');
        for (const why of ['critical violation', 'three high-severity violations', 'ten violations']) {
          assert.ok(now.some((r) => r.blocked_reason === why), `the run blocks for ${why}`);
        }
        assert.deepEqual(now.map((r) => ({ ...r })), before.map((r) => ({ ...r })));
      });
    });
  }
});
