/**
 * calculate_rag_metrics and the daily job: metric maths against hand-computed values on fixed
 * data (the date is an argument, so time is frozen), SLO compliance, idempotent recalculation,
 * arguments and grants, and EXPLAIN of the checklist's performance queries on generated data.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { daysToCompute } from '../../scripts/ops/jobs/calculate-rag-metrics.ts';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { asAnon, asUser, scenario, sqlError, type Tx } from '../helpers/db.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

const cite = (n: number) => Array.from({ length: n }, () => ({ source: 's', sourceType: 'material', excerpt: 'e', confidence: 0.9, timestamp: '2026-10-15T00:00:00Z' }));

/** 2026-10-15: five acme answers, two globex answers, and two just outside the day. */
async function insertFixedDay(tx: Tx): Promise<void> {
  const rows: [string, string, string, number | null, number, number | null, number][] = [
    // tenant, user, created_at, latency, cost, citation_rate, citations
    [TENANT.acme, USER.alice, '2026-10-15T00:00:00Z', 100, 1, 1, 1],
    [TENANT.acme, USER.alice, '2026-10-15T08:00:00Z', 200, 2, 1, 1],
    [TENANT.acme, USER.alice, '2026-10-15T12:00:00Z', 300, 3, 0.5, 1],
    [TENANT.acme, USER.bob, '2026-10-15T18:00:00Z', 400, 4, null, 1],
    [TENANT.acme, USER.bob, '2026-10-15T23:59:59Z', 1000, 5, null, 0],
    [TENANT.globex, USER.carol, '2026-10-15T09:00:00Z', 1000, 6, 0.9, 1],
    [TENANT.globex, USER.carol, '2026-10-15T10:00:00Z', 3000, 8, 0.9, 1],
    [TENANT.acme, USER.alice, '2026-10-14T23:59:59Z', 99999, 99, 0, 0],
    [TENANT.acme, USER.alice, '2026-10-16T00:00:00Z', 99999, 99, 0, 0],
  ];
  for (const [tenant, user, at, latency, cost, rate, citations] of rows) {
    await tx`insert into public.ai_dialogue_log (tenant_id, user_id, session_id, query, response, model_used, latency_ms, token_cost_jpy, citation_rate, citations, created_at)
             values (${tenant}, ${user}, 'fixed-day', 'q', 'a', 'gpt-4o', ${latency}, ${cost}, ${rate}, ${tx.json(cite(citations))}, ${at})`;
  }
}

const metrics = async (tx: Tx, tenant: string | null) => {
  const [r] = await tx`select * from public.calculate_rag_metrics('2026-10-15', ${tenant}::uuid)`;
  return r;
};

describe('calculate_rag_metrics', () => {
  it('computes a tenant\'s day: percentile_cont latencies, citation rate, cost, users, SLO flags', async () => {
    await scenario(async (s) => {
      await insertFixedDay(s.owner);
      const r = await s.as('service_role', (tx) => metrics(tx, TENANT.acme));
      assert.deepEqual(
        [r.total_queries, r.unique_users, r.citation_count, r.citation_rate, r.latency_p50_ms, r.latency_p95_ms, r.latency_p99_ms, r.cost_per_answer_jpy],
        [5, 2, 4, '0.7000', '300.00', '880.00', '976.00', '3.0000']);
      assert.deepEqual(r.slo_compliance.citationRate, { target: 0.8, value: 0.7, met: false });
      assert.deepEqual(r.slo_compliance.latencyP95, { target: 5000, value: 880, met: true });
      assert.deepEqual([r.slo_compliance.citationRateMet, r.slo_compliance.latencyMet, r.slo_compliance.costMet, r.slo_compliance.overallMet], [false, true, true, false]);
    });
  });

  it('computes the platform-wide row over every tenant', async () => {
    await scenario(async (s) => {
      await insertFixedDay(s.owner);
      const r = await s.as('service_role', (tx) => metrics(tx, null));
      assert.equal(r.tenant_id, null);
      assert.deepEqual(
        [r.total_queries, r.unique_users, r.citation_count, r.citation_rate, r.latency_p50_ms, r.latency_p95_ms, r.latency_p99_ms, r.cost_per_answer_jpy],
        [7, 3, 6, '0.7571', '400.00', '2400.00', '2880.00', '4.1429']);
    });
  });

  it('uses a tenant\'s SLO override over the platform default', async () => {
    await scenario(async (s) => {
      await insertFixedDay(s.owner);
      const before = await s.as('service_role', (tx) => metrics(tx, TENANT.globex));
      assert.deepEqual([before.slo_compliance.costMet, before.slo_compliance.overallMet], [false, false]);
      await s.as('service_role', (tx) => tx`insert into public.rag_slo_targets (tenant_id, citation_rate_min, latency_p50_max_ms, latency_p95_max_ms, cost_per_answer_max_jpy)
                                            values (${TENANT.globex}, 0.85, 2000, 4000, 10)`);
      const after = await s.as('service_role', (tx) => metrics(tx, TENANT.globex));
      assert.deepEqual(after.slo_compliance.costPerAnswer, { target: 10, value: 7, met: true });
      assert.deepEqual([after.slo_compliance.citationRateMet, after.slo_compliance.latencyMet, after.slo_compliance.overallMet], [true, true, true]);
    });
  });

  it('is idempotent: recalculating replaces the day\'s row, and picks up late logs', async () => {
    await scenario(async (s) => {
      await insertFixedDay(s.owner);
      const first = await s.as('service_role', (tx) => metrics(tx, TENANT.acme));
      const again = await s.as('service_role', (tx) => metrics(tx, TENANT.acme));
      assert.equal(again.id, first.id);
      assert.deepEqual({ ...again, updated_at: null }, { ...first, updated_at: null });
      await s.owner`insert into public.ai_dialogue_log (tenant_id, user_id, session_id, query, response, model_used, latency_ms, token_cost_jpy, created_at)
                    values (${TENANT.acme}, ${USER.bob}, 'late', 'q', 'a', 'gpt-4o', 500, 1, '2026-10-15T20:00:00Z')`;
      const late = await s.as('service_role', (tx) => metrics(tx, TENANT.acme));
      assert.equal(late.total_queries, 6);
      const [rows] = await s.owner`select count(*)::int as n from public.rag_metrics_history where date = '2026-10-15' and tenant_id = ${TENANT.acme}`;
      assert.equal(rows.n, 1);
    });
  });

  it('gives null metrics and null SLO flags for a day without answers', async () => {
    await scenario(async (s) => {
      const r = await s.as('service_role', (tx) => tx`select * from public.calculate_rag_metrics('2026-01-01', ${TENANT.initech})`.then((x) => x[0]));
      assert.deepEqual([r.total_queries, r.citation_rate, r.latency_p50_ms, r.slo_compliance.overallMet], [0, null, null, null]);
    });
  });

  it('refuses bad arguments with an SQLSTATE, and anyone but service_role', async () => {
    await scenario(async (s) => {
      assert.equal((await s.errorAs('service_role', (tx) => tx`select public.calculate_rag_metrics(null)`)).code, '22004');
      assert.equal((await s.errorAs('service_role', (tx) => tx`select public.calculate_rag_metrics(current_date + 2)`)).code, '22023');
      assert.equal((await s.errorAs('service_role', (tx) => tx`select public.calculate_rag_metrics('2026-10-15', '00000000-0000-4000-8000-00000000dead')`)).code, '23503');
    });
    await asUser(USER.alice, async (tx) => assert.equal((await sqlError(tx, (sp) => sp`select public.calculate_rag_metrics('2026-10-15')`)).code, '42501'));
    await asAnon(async (tx) => assert.equal((await sqlError(tx, (sp) => sp`select public.calculate_rag_metrics('2026-10-15')`)).code, '42501'));
  });
});

describe('the daily job script', () => {
  it('picks yesterday by default, a day, or a range, and refuses bad dates', () => {
    const today = new Date('2026-11-21T03:00:00Z');
    assert.deepEqual(daysToCompute({}, today), ['2026-11-20']);
    assert.deepEqual(daysToCompute({ date: '2026-10-15' }, today), ['2026-10-15']);
    assert.deepEqual(daysToCompute({ from: '2026-10-30', to: '2026-11-02' }, today), ['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']);
    assert.throws(() => daysToCompute({ date: '2026-02-30' }, today), /--date must be a date as YYYY-MM-DD/);
    assert.throws(() => daysToCompute({ from: '2026-10-01' }, today), /--from and --to go together/);
    assert.throws(() => daysToCompute({ from: '2026-10-05', to: '2026-10-01' }, today), /is after --to/);
    assert.throws(() => daysToCompute({ date: '2026-11-22' }, today), /is in the future/);
    assert.throws(() => daysToCompute({ date: '2026-10-15', from: '2026-10-01', to: '2026-10-02' }, today), /either --date or --from\/--to/);
  });

  it('computes every tenant and the platform row and prints the SLO compliance; again, it replaces them', async () => {
    await withScratchDatabase('rag_job', { migrate: true, seed: true }, async (db) => {
      const sql = db.open();
      await sql.begin((tx) => insertFixedDay(tx));
      const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/jobs/calculate-rag-metrics.ts', ...args],
        { cwd: repoRoot, env: { ...process.env, DATABASE_URL: db.url }, encoding: 'utf8' });
      for (let i = 0; i < 2; i++) {
        const out = run('--date=2026-10-15');
        assert.equal(out.status, 0, out.stderr);
        assert.match(out.stdout, /^RAG metrics for 2026-10-15 \(UTC days\), 4 row\(s\) a day$/m);
        assert.match(out.stdout, /2026-10-15 test-acme +queries 5 +users 2 +citations 4 +citation rate 0\.7 +p50 300 ms +p95 880 ms +p99 976 ms +cost\/answer 3 JPY/);
        assert.match(out.stdout, /2026-10-15 platform +queries 7 /);
        assert.match(out.stdout, /SLO citationRateMet: false, latencyMet: true, costMet: true, overallMet: false/);
      }
      const [rows] = await sql`select count(*)::int as n from public.rag_metrics_history where date = '2026-10-15'`;
      assert.equal(rows.n, 4);
      const one = run('--date=2026-10-15', `--tenant=${TENANT.globex}`);
      assert.equal(one.status, 0, one.stderr);
      assert.match(one.stdout, /^RAG metrics for 2026-10-15 \(UTC days\), 1 row\(s\) a day\n2026-10-15 test-globex  queries 2 /);
      const json = run('--from=2026-10-14', '--to=2026-10-15', `--tenant=${TENANT.acme}`, '--json');
      assert.equal(json.status, 0, json.stderr);
      const printed = JSON.parse(json.stdout) as Record<string, unknown>[];
      assert.deepEqual(printed.map((r) => Object.keys(r)), Array(2).fill(['id', 'tenant_id', 'date', 'total_queries', 'unique_users', 'citation_count', 'citation_rate',
        'latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'cost_per_answer_jpy', 'slo_compliance', 'created_at', 'updated_at', 'label']));
      assert.deepEqual(printed.map((r) => [r.date, r.label, r.total_queries, r.citation_rate]), [['2026-10-14', 'test-acme', 1, '0.0000'], ['2026-10-15', 'test-acme', 5, '0.7000']]);
      const bad = run('--date=15/10/2026');
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /^calculate-rag-metrics: --date must be a date as YYYY-MM-DD, got "15\/10\/2026"$/m);
      const unknown = run('--tenant=00000000-0000-4000-8000-00000000dead', '--date=2026-10-15');
      assert.equal(unknown.status, 1);
      assert.match(unknown.stderr, /tenant .* does not exist/);
    });
  });
});

describe('the checklist performance queries', () => {
  it('use indexes on generated data', async () => {
    await withScratchDatabase('rag_explain', { migrate: true, seed: true }, async (db) => {
      const sql = db.open();
      await sql.begin(async (tx) => {
        await tx`select setseed(0.7)`;
        await tx`insert into public.ai_dialogue_log (tenant_id, user_id, session_id, query, response, model_used, latency_ms, token_cost_jpy, citation_rate, created_at)
                 select u.tenant_id, u.id, 's' || g, 'question ' || g, 'answer ' || g, 'gpt-4o', (200 + random() * 4000)::int, round((random() * 5)::numeric, 4),
                        round(random()::numeric, 4), timestamptz '2026-05-25' + (g * interval '4 minutes')
                 from generate_series(1, 60000) g
                 join (select row_number() over (order by id) - 1 as n, id, tenant_id from public.users) u on u.n = g % 6`;
        await tx`insert into public.materials (id, tenant_id, title, body)
                 select uuid_generate_v5('00000000-0000-0000-0000-0000000000e1', g::text), (array[${TENANT.acme}, ${TENANT.globex}, ${TENANT.initech}]::uuid[])[1 + g % 3], 'Doc ' || g, 'text'
                 from generate_series(1, 12000) g`;
        await tx`insert into public.provenance (tenant_id, content_id, content_type, license_type, acquisition_method, attribution_text)
                 select m.tenant_id, m.id, 'material', (array['proprietary', 'proprietary', 'proprietary', 'commercial_license', 'public_domain', 'cc0', 'unknown', 'cc_by',
                        'proprietary', 'commercial_license', 'fair_use', 'cc_by_sa', 'proprietary', 'unknown', 'cc_by_nc', 'proprietary', 'commercial_license', 'proprietary', 'unknown', 'cc_by_nd'])[1 + (random() * 19)::int]::public.license_type,
                        'manual_upload', 'Author'
                 from public.materials m`;
      });
      await sql`analyze`;
      // As the tenant user the app queries for (RLS adds the tenant), or as the owner for reports.
      const indexesUsed = async (query: string, params: unknown[] = [], asUserId?: string) => {
        const [row] = await sql.begin(async (tx) => {
          if (asUserId) {
            await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: asUserId, role: 'authenticated' })}, true)`;
          }
          return await tx.unsafe(`explain (format json) ${query}`, params as never[]);
        });
        const names: string[] = [];
        const walk = (node: Record<string, unknown>) => {
          if (typeof node['Index Name'] === 'string') names.push(node['Index Name']);
          for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
        };
        walk((row['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0].Plan);
        return names;
      };
      assert.ok((await indexesUsed(`select id, query, created_at from public.ai_dialogue_log where user_id = $1::uuid order by created_at desc limit 20`, [USER.alice], USER.alice))
        .includes('idx_ai_dialogue_user_created'), 'a user\'s recent dialogues, as that user under RLS');
      assert.ok((await indexesUsed(`select date_trunc('day', created_at) as day, count(*), avg(latency_ms), avg(citation_rate), sum(token_cost_jpy)
                                    from public.ai_dialogue_log where created_at >= timestamptz '2026-11-14' and created_at < timestamptz '2026-11-21' group by 1 order by 1`))
        .includes('idx_ai_dialogue_created_at'), 'the 7-day aggregation');
      const [material] = await sql`select content_id from public.provenance where license_type = 'cc_by' limit 1`;
      assert.ok((await indexesUsed(`select p.license_type, p.attribution_text, p.expires_at from public.provenance p
                                    where p.content_type = 'material' and p.content_id = $1 and p.license_type <> 'unknown'`, [material.content_id]))
        .includes('provenance_content_idx'), 'the provenance of a licensed material');
      assert.ok((await indexesUsed(`select m.title, p.license_type, p.attribution_text from public.provenance p join public.materials m on m.id = p.content_id
                                    where p.tenant_id = $1 and p.content_type = 'material' and p.license_type in ('cc_by', 'cc_by_sa')`, [TENANT.acme]))
        .includes('provenance_tenant_license_idx'), 'a tenant\'s CC-BY materials');
    });
  });
});
