/**
 * The shield bench's variants of atomic_update_user_behavior (scripts/bench/shield-variants.ts)
 * are the same behaviour: on a scratch database, each records what the migrated RPC records on
 * the same random run (results, records and ring slots) and refuses the same calls with the same
 * SQLSTATE, message and hint. So the matrix compares costs of one behaviour, not of different ones.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VARIANTS, variantsSql } from '../../scripts/bench/shield-variants.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { TENANT } from '../helpers/seed-ids.ts';

/** The variants that implement the whole RPC (the floors do not). */
const FULL = VARIANTS.filter((v) => v.whole);

const SETUP = `
create function bench.random_run(fn text) returns setof jsonb language plpgsql as $f$
declare i int; s text; acct text; r jsonb; tbl text := replace(replace(fn, '_rpc', '_behaviors'), 'public.atomic_update_user_behavior', 'public.user_behaviors');
begin
  perform setseed(0.25);
  for i in 1..1200 loop
    acct := 'eq_' || floor(random() * random() * 120)::int;
    s := (array['low', 'medium', 'high', 'critical'])[1 + floor(random() * random() * 4)::int];
    execute format('select %s($1, $2, $3, $4, $5)', fn) into r
      using '${TENANT.acme}'::uuid, 'twitter'::public.moderation_platform, acct, case when random() < 0.3 then 'name' || i end,
            jsonb_build_object('severity', s, 'comment_id', 'c' || i)
            || case when random() < 0.5 then jsonb_build_object('toxicity_score', round(random()::numeric, 3)) else '{}'::jsonb end
            || case when random() < 0.3 then jsonb_build_object('action_tags', jsonb_build_array('a', 't' || i)) else '{}'::jsonb end;
    return next r - 'id' - 'last_violation_at' - '{action,at}'::text[];
    if random() < 0.2 then
      execute format('update %s set is_blocked = false, blocked_reason = null, blocked_at = null where platform_user_id = $1', tbl) using acct;
    end if;
  end loop;
end $f$;

create function bench.final_state(fn text) returns setof text language plpgsql as $f$
declare b text := replace(replace(fn, '_rpc', '_behaviors'), 'public.atomic_update_user_behavior', 'public.user_behaviors');
        a text := replace(replace(fn, '_rpc', '_actions'), 'public.atomic_update_user_behavior', 'public.user_behavior_actions');
begin
  return query execute format($q$
    select format('%%s|%%s|%%s|%%s|%%s|%%s|%%s|%%s|%%s', b.platform_user_id, b.platform_username, b.total_violations,
                  coalesce(to_jsonb(b) -> 'severity_counts', jsonb_build_object('low', to_jsonb(b) -> 'low_count',
                    'medium', to_jsonb(b) -> 'medium_count', 'high', to_jsonb(b) -> 'high_count', 'critical', to_jsonb(b) -> 'critical_count')),
                  b.last_toxicity_score, b.max_toxicity_score, b.is_blocked, b.blocked_reason,
                  (select string_agg(format('%%s/%%s/%%s/%%s/%%s/%%s', x.slot, x.sequence, x.comment_id, x.severity, x.toxicity_score, x.action_tags), ';' order by x.slot)
                   from %s x where x.behavior_id = b.id))
    from %s b where b.platform_user_id like 'eq\\_%%' order by b.platform_user_id$q$, a, b);
end $f$;

create function bench.refusals(fn text) returns setof text language plpgsql as $f$
declare c record; st text; msg text; hint text;
begin
  for c in select * from (values
    ('${TENANT.acme}'::uuid, 'twitter', 'x', 'u', '{"toxicity_score": 0.5}'::jsonb), ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": "extreme"}'),
    ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": 3}'), ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": null}'),
    ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": "low", "toxicity_score": 1.5}'), ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": "low", "toxicity_score": "0.5"}'),
    ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": "low", "toxicity_score": [0.5]}'), ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": "low", "action_tags": "warning"}'),
    ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": "low", "action_tags": ["ok", 7]}'), ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": "low", "action_tags": [""]}'),
    ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": "low", "action_tags": null}'), ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": "low", "comment_id": 12345}'),
    ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": "low", "comment_id": ""}'), ('${TENANT.acme}', 'twitter', 'x', 'u', '{"severity": "low", "toxicity": 0.5, "b": 1}'),
    ('${TENANT.acme}', 'twitter', 'x', 'u', '["low"]'), ('${TENANT.acme}', 'twitter', 'x', 'u', '"low"'),
    ('${TENANT.acme}', 'myspace', 'x', 'u', '{"severity": "low"}'), ('${TENANT.acme}', 'Twitter', 'x', 'u', '{"severity": "low"}'),
    ('${TENANT.acme}', 'twitter', '', 'u', '{"severity": "low"}'), ('${TENANT.acme}', 'twitter', repeat('x', 201), 'u', '{"severity": "low"}'),
    ('${TENANT.acme}', 'twitter', 'x', '', '{"severity": "low"}'), ('00000000-0000-4000-8000-00000000dead', 'twitter', 'x', 'u', '{"severity": "low"}'),
    (null, 'twitter', 'x', 'u', '{"severity": "low"}'), ('${TENANT.acme}', null, 'x', 'u', '{"severity": "low"}'),
    ('${TENANT.acme}', 'twitter', null, 'u', '{"severity": "low"}'), ('${TENANT.acme}', 'twitter', 'x', 'u', null)
  ) v(org, platform, account, username, data) loop
    begin
      -- The platform converted as a client's value is (an unknown label is refused there, 22P02).
      execute format('select %s($1, $2, $3, $4, $5)', fn) using c.org, c.platform::public.moderation_platform, c.account, c.username, c.data;
      return next 'accepted';
    exception when others then
      get stacked diagnostics st = returned_sqlstate, msg = message_text, hint = pg_exception_hint;
      return next st || ' ' || msg || ' [' || hint || ']';
    end;
  end loop;
end $f$;`;

describe('the shield bench variants', () => {
  it('record and refuse exactly what atomic_update_user_behavior does', async () => {
    await withScratchDatabase('shield_variants', { migrate: true, seed: true }, async (db) => {
      const sql = db.open();
      await sql`create schema bench`;
      await sql.unsafe(variantsSql());
      await sql.unsafe(SETUP);
      const observe = async (fn: string) => ({
        results: (await sql`select r from bench.random_run(${fn}) r`).map((x) => x.r),
        state: (await sql`select s from bench.final_state(${fn}) s`).map((x) => x.s),
        refusals: (await sql.begin((tx) => tx`select r from bench.refusals(${fn}) r`)).map((x) => x.r),
      });
      const expected = await observe('public.atomic_update_user_behavior');
      assert.equal(expected.results.length, 1200);
      assert.ok(expected.state.some((s) => Number(s.split('|')[2]) > 50), 'some account overwrites ring slots');
      assert.ok(expected.refusals.every((r) => r !== 'accepted'), expected.refusals.join('\n'));
      for (const v of FULL.filter((x) => x.key !== 'rpc')) {
        const seen = await observe(v.fn);
        assert.deepEqual(seen.results, expected.results, `${v.key}: results`);
        assert.deepEqual(seen.state, expected.state, `${v.key}: records and ring slots`);
        assert.deepEqual(seen.refusals, expected.refusals, `${v.key}: refusals`);
      }
    });
  });
});
