/** npm run seed:load: deterministic, bulk, valid data on a scratch database; refuses to load twice. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';

const load = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench/seed-load.ts', ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' } });

const digest = (sql: ReturnType<Parameters<Parameters<typeof withScratchDatabase>[2]>[0]['open']>) => sql`
  select md5(string_agg(x, '|' order by x)) as d from (
    select 'm' || id || content || created_at as x from public.messages where tenant_id in (select id from public.tenants where slug like 'load-%')
    union all select 'd' || user_id || query || created_at from public.ai_dialogue_log
    union all select 'c' || id || user_id from public.conversations where tenant_id in (select id from public.tenants where slug like 'load-%')) s`;

describe('npm run seed:load', () => {
  it('loads the same data every time, consistent with every constraint, with rows per second', async () => {
    await withScratchDatabase('seed_load', { migrate: true, seed: true }, async (db) => {
      const sql = db.open();
      const first = load('--scale', '2000', '--db-url', db.url);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stderr, /public\.messages: 2,000 rows in [\d.]+ s \([\d,]+ rows\/s\)/);
      assert.match(first.stdout, /^loaded [\d,]+ rows \(scale 2000\) in [\d.]+ s, [\d,]+ rows\/s$/m);
      const [counts] = await sql`
        select (select count(*) from public.messages where tenant_id in (select id from public.tenants where slug like 'load-%'))::int as messages,
               (select count(*) from public.ai_dialogue_log)::int as dialogues,
               (select count(distinct date_trunc('day', created_at)) from public.ai_dialogue_log)::int as days,
               (select count(*) from public.conversations c where c.last_message_at is null and c.tenant_id in (select id from public.tenants where slug like 'load-%'))::int as without_messages,
               (select max(n) from (select count(*) as n from public.users where email like '%@load.example.test' group by tenant_id) s)::int as biggest,
               (select min(n) from (select count(*) as n from public.users where email like '%@load.example.test' group by tenant_id) s)::int as smallest`;
      assert.equal(counts.messages, 2000);
      assert.equal(counts.dialogues, 2000);
      assert.ok(counts.days > 60, `spread over ${counts.days} days`);
      assert.equal(counts.without_messages, 0, 'the messages trigger stamped every conversation');
      assert.ok(counts.biggest > counts.smallest, 'tenant sizes are skewed');
      const [weekend] = await sql`
        select (count(*) filter (where extract(isodow from created_at) in (6, 7)))::float / count(*) as share from public.ai_dialogue_log`;
      assert.ok(weekend.share < 2 / 7, `weekends are quieter (${weekend.share.toFixed(2)})`);
      const [before] = await digest(sql);

      const again = load('--scale', '2000', '--db-url', db.url);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /already has \d+ loaded tenants \(load-\*\)/);
      assert.match(again.stderr, /hint: pass --replace/);
      const replaced = load('--scale', '2000', '--db-url', db.url, '--replace');
      assert.equal(replaced.status, 0, replaced.stderr);
      const [after] = await digest(sql);
      assert.equal(after.d, before.d, 'the same data every run');
    });
  });

  it('refuses a bad scale with one line', () => {
    const out = load('--scale', 'huge');
    assert.equal(out.status, 1);
    assert.match(out.stderr, /^seed:load: --scale must be small, medium, large or a number of messages/m);
  });
});
