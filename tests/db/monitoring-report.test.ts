/**
 * The monitoring report's SQL on the shared test database, in rolled-back transactions as
 * service_role: daily table-size snapshots and week-over-week growth, unused indexes,
 * pg_stat_statements' absence, connections, the cron interval helper (with a property over any
 * text), slow_statements' argument (a property over any numeric), and who may touch any of it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { asAnon, asServiceRole, asUser, scenario, sqlError, type Tx } from '../helpers/db.ts';
import { hostileString } from '../helpers/fuzz-values.ts';
import { USER } from '../helpers/seed-ids.ts';

const FUNCTIONS = [
  'private.record_table_sizes()', 'private.table_growth()', 'private.unused_indexes()', 'private.pg_stat_statements_status()',
  'private.slow_statements(100)', 'private.connection_summary()', "private.cron_interval('* * * * *')", 'private.evaluate_alerts()',
  'private.sync_alert_events()',
];
const TABLES = ['private.table_size_snapshots', 'private.alert_rules', 'private.alert_events'];

const minutes = (tx: Tx, expr: string) => tx.unsafe(`select extract(epoch from ${expr}) / 60 as m`).then(([r]) => (r.m === null ? null : Number(r.m)));

describe('monitoring report (SQL)', () => {
  it('records each table\'s size once per UTC day; a table created later that day gets its row on the next call', async () => {
    await scenario(async (s) => {
      // Monitor runs of other test files record the day too: they wait until this transaction ends.
      await s.owner`lock table private.table_size_snapshots in share row exclusive mode`;
      const missing = async () => Number((await s.owner`
        select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('public', 'private') and c.relkind in ('r', 'm')
          and not exists (select 1 from private.table_size_snapshots t
                          where t.day = (now() at time zone 'UTC')::date and t.table_name = n.nspname || '.' || c.relname)`)[0].n);
      const before = await missing();
      const record = () => s.as('service_role', async (tx) => (await tx`select private.record_table_sizes() as n`)[0].n);
      assert.equal(await record(), before, 'one row per table without one today');
      assert.equal(await missing(), 0);
      assert.equal(await record(), 0, 'again the same day: nothing');
      await s.owner`create table private.monitoring_late (id int)`;
      assert.equal(await record(), 1, 'only the new table');
      const [messages] = await s.owner`select total_bytes, table_bytes, index_bytes from private.table_size_snapshots
        where table_name = 'public.messages' and day = (now() at time zone 'UTC')::date`;
      assert.ok(Number(messages.total_bytes) >= Number(messages.table_bytes) + Number(messages.index_bytes) - 8192 && Number(messages.total_bytes) > 0);
    });
  });

  it('measures growth against the newest snapshot at least 7 days old, largest tables first', async () => {
    await scenario(async (s) => {
      // A table of the test's own: the shared tables grow while other files run.
      await s.owner`create table private.monitoring_probe (id int, filler text)`;
      await s.owner`insert into private.monitoring_probe select g, md5(g::text) from generate_series(1, 2000) g`;
      const [{ bytes }] = await s.owner`select pg_total_relation_size('private.monitoring_probe') as bytes`;
      const snap = (daysAgo: number, total: number) => s.owner`
        insert into private.table_size_snapshots (day, table_name, total_bytes, table_bytes, index_bytes, row_estimate)
        values ((now() at time zone 'UTC')::date - ${daysAgo}::int, 'private.monitoring_probe', ${total}, ${total}, 0, 0)`;
      await snap(9, Number(bytes) * 4);
      await snap(7, Number(bytes) / 2);
      await snap(6, Number(bytes) * 10);
      const rows = await s.as('service_role', (tx) => tx`select * from private.table_growth()`);
      const probe = rows.find((r) => r.table_name === 'private.monitoring_probe')!;
      assert.deepEqual([Number(probe.growth_pct), Number(probe.base_bytes), Number(probe.total_bytes)], [100, Number(bytes) / 2, Number(bytes)]);
      assert.equal(rows.find((r) => r.table_name === 'private.alert_rules')!.base_day, null, 'no snapshot a week old: no growth');
      const sizes = rows.map((r) => Number(r.total_bytes));
      assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a));
      assert.ok(rows.some((r) => r.table_name === 'private.alert_events'), 'private tables too');
    });
  });

  it('lists never-scanned indexes, leaving out primary keys and unique indexes', async () => {
    await scenario(async (s) => {
      await s.owner`create table private.monitoring_probe (id int primary key, a int, b int)`;
      await s.owner`create index monitoring_probe_a_idx on private.monitoring_probe (a)`;
      await s.owner`create unique index monitoring_probe_b_key on private.monitoring_probe (b)`;
      const rows = await s.as('service_role', (tx) => tx`select index_name, table_name, idx_scan from private.unused_indexes() where table_name = 'private.monitoring_probe'`);
      assert.deepEqual(rows.map((r) => ({ ...r })), [{ index_name: 'private.monitoring_probe_a_idx', table_name: 'private.monitoring_probe', idx_scan: '0' }]);
    });
  });

  it('says pg_stat_statements is not installed here and lists no slow statements, refusing a bad threshold', async () => {
    await asServiceRole(async (tx) => {
      const [status] = await tx`select * from private.pg_stat_statements_status()`;
      assert.deepEqual({ ...status }, { status: 'not installed', schema_name: null });
      assert.equal((await tx`select * from private.slow_statements()`).length, 0);
      assert.equal((await sqlError(tx, (sp) => sp`select * from private.slow_statements(null)`)).code, '22004');
      assert.equal((await sqlError(tx, (sp) => sp`select * from private.slow_statements(-1)`)).code, '22023');
      assert.equal((await sqlError(tx, (sp) => sp`select * from private.slow_statements('NaN')`)).code, '22023');
    });
  });

  it('counts client connections against max_connections, this session included', async () => {
    await asServiceRole(async (tx) => {
      const [c] = await tx`select * from private.connection_summary()`;
      const [{ max }] = await tx`select current_setting('max_connections')::int as max`;
      assert.equal(c.max_connections, max);
      assert.ok(c.connections >= 1 && c.active >= 1);
      assert.equal(c.connections, c.active + c.idle + c.idle_in_transaction + c.other);
      assert.equal(Number(c.used_pct), Math.round((c.connections * 1000) / max) / 10);
    });
  });

  it('reads how often the schedules fire (the defaults and other common forms); null for what it cannot read', async () => {
    await asServiceRole(async (tx) => {
      const cases: [string, number | null][] = [
        ['*/15 * * * *', 15], ['*/5 * * * *', 5], ['10 0 * * *', 1440], ['0 3 * * 0', 7 * 1440], ['* * * * *', 1], ['* * * * * *', 1],
        ['0 */6 * * *', 360], ['30 * * * *', 60], ['*/90 * * * *', 60], ['  */10\t* * * *  ', 10],
        ['0 0 1 * *', null], ['*/0 * * * *', null], ['60 * * * *', null], ['0 24 * * *', null], ['0 3 * * 1-5', null], ['bad', null], ['', null],
      ];
      for (const [schedule, expected] of cases) {
        assert.equal(await minutes(tx, `private.cron_interval('${schedule.replaceAll("'", "''")}')`), expected, schedule);
      }
    });
  });

  it('property: cron_interval never fails on any text, answering null or 1 minute to 7 days', async () => {
    const token = fc.oneof(fc.constantFrom('*', '*/5', '*/0', '*/99999', '0', '59', '60', '23', '99999', '1-5', 'MON', '*/', ',', ''), hostileString);
    const schedule = fc.oneof(fc.array(token, { minLength: 0, maxLength: 8 }).map((t) => t.join(' ')), hostileString)
      .map((s) => s.replaceAll('\u0000', '')); // text cannot hold NUL
    await asServiceRole(async (tx) => {
      await fc.assert(fc.asyncProperty(schedule, async (s) => {
        const [{ m }] = await tx`select extract(epoch from private.cron_interval(${s})) / 60 as m`;
        assert.ok(m === null || (Number(m) >= 1 && Number(m) <= 7 * 1440), `${JSON.stringify(s)} → ${m}`);
      }), { numRuns: 300 });
    });
  });

  it('property: slow_statements takes any numeric threshold, refusing null (22004), NaN and negatives (22023), writing nothing', async () => {
    const numeric = fc.oneof(
      fc.double({ noNaN: true }).map((d) => (Number.isFinite(d) ? String(d) : d > 0 ? 'Infinity' : '-Infinity')),
      fc.integer().map(String), fc.bigInt().map(String), fc.constantFrom('NaN', '1e309', '-0', '0', '1e-400', null),
    );
    await asServiceRole(async (tx) => {
      const count = async () => (await tx`select (select count(*) from private.alert_events) + (select count(*) from private.table_size_snapshots) as n`)[0].n;
      const before = await count();
      await fc.assert(fc.asyncProperty(numeric, async (v) => {
        const refusal = v === null ? '22004' : v === 'NaN' || v.startsWith('-') && Number(v) !== 0 ? '22023' : null;
        try {
          await tx.savepoint((sp) => sp`select * from private.slow_statements(${v}::numeric)`);
          assert.equal(refusal, null, `${v} was accepted`);
        } catch (err) {
          assert.equal((err as { code?: string }).code, refusal ?? 'none', `${v}: ${(err as Error).message}`);
        }
      }), { numRuns: 300 });
      assert.equal(await count(), before);
    });
  });

  it('is out of reach of anon and signed-in users; service_role reads the tables and writes them only through the functions', async () => {
    for (const [who, run] of [['anon', asAnon], ['authenticated', (fn: (tx: Tx) => Promise<void>) => asUser(USER.alice, fn)]] as const) {
      await run(async (tx) => {
        for (const f of FUNCTIONS) assert.equal((await sqlError(tx, (sp) => sp.unsafe(`select * from ${f}`))).code, '42501', `${who}: ${f}`);
        for (const t of TABLES) assert.equal((await sqlError(tx, (sp) => sp.unsafe(`select * from ${t}`))).code, '42501', `${who}: ${t}`);
      });
    }
    await asServiceRole(async (tx) => {
      for (const f of FUNCTIONS) await tx.unsafe(`select * from ${f}`);
      for (const t of TABLES) await tx.unsafe(`select * from ${t} limit 1`);
      assert.equal((await sqlError(tx, (sp) => sp`insert into private.alert_events (alert_key, subject, severity, detail) values ('x', 'y', 'warning', '')`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`update private.alert_rules set threshold = 0`)).code, '42501');
    });
  });
});
