/**
 * The SQL halves of the scheduled jobs (20261201110000, 20261201110100), which refresh-views and
 * the operator scripts both call: private.calculate_daily_rag_metrics (every tenant by slug, then
 * the platform row, or one tenant) and private.pending_raw_ingestions (what ingest-response/resume
 * should continue). Their results, their refusals (nothing written), and who may execute them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAnon, asOwner, asUser, scenario, sqlError, type Tx } from '../helpers/db.ts';
import { CONVERSATION, TENANT, USER } from '../helpers/seed-ids.ts';

const DAY = '2026-09-09';
const SHA = 'b'.repeat(64);
const without = (row: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(row).filter(([k]) => !keys.includes(k)));

async function logAnswers(owner: Tx): Promise<void> {
  const rows: [string, string, number, number][] = [
    [TENANT.acme, USER.alice, 100, 1], [TENANT.acme, USER.bob, 300, 3], [TENANT.globex, USER.carol, 2000, 8],
  ];
  for (const [tenant, user, latency, cost] of rows) {
    await owner`insert into public.ai_dialogue_log (tenant_id, user_id, session_id, query, response, model_used, latency_ms, token_cost_jpy, created_at)
                values (${tenant}, ${user}, 'daily-job', 'q', 'a', 'gpt-4o', ${latency}, ${cost}, ${`${DAY}T12:00:00Z`})`;
  }
}

/** fn, run again (up to 5 times) while it fails with a serialization failure (40001). */
async function retryingSerializationFailures<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code !== '40001' || attempt >= 5) throw err;
    }
  }
}

const daily = (tx: Tx, tenant: string | null = null) =>
  tx`select m.label, (m.metrics).* from private.calculate_daily_rag_metrics(${DAY}, ${tenant}::uuid) m`;

describe('private.calculate_daily_rag_metrics', () => {
  it('computes every tenant by slug and then the platform row, each as calculate_rag_metrics does, and writes them', async () => {
    // Repeatable read, so the tenants listed are the ones the job saw. The job locks each tenant (FOR
    // KEY SHARE), which under repeatable read fails with 40001 when another test file committed an
    // update of a tenant after this snapshot: retried with a new transaction, as any such client must.
    await retryingSerializationFailures(() => scenario(async (s) => {
      await s.owner`set transaction isolation level repeatable read`; // the tenants listed below are the ones the job saw
      await logAnswers(s.owner);
      const rows = await s.as('service_role', (tx) => daily(tx));
      const tenants = await s.owner`select id, slug from public.tenants order by slug`;
      assert.deepEqual(rows.map((r) => r.label), [...tenants.map((t) => t.slug), 'platform']);
      assert.deepEqual(rows.map((r) => r.tenant_id), [...tenants.map((t) => t.id), null]);
      const acme = rows.find((r) => r.tenant_id === TENANT.acme)!;
      assert.deepEqual([acme.total_queries, acme.latency_p50_ms, acme.cost_per_answer_jpy], [2, '200.00', '2.0000']);
      assert.equal(rows.at(-1)!.total_queries, 3);
      for (const r of rows) {
        const [one] = await s.as('service_role', (tx) => tx`select * from public.calculate_rag_metrics(${DAY}, ${r.tenant_id}::uuid)`);
        assert.deepEqual(without(one, 'updated_at'), without(r, 'label', 'updated_at'), `${r.label}: the same row as calculate_rag_metrics`);
      }
      const [written] = await s.owner`select count(*)::int as n from public.rag_metrics_history where date = ${DAY}`;
      assert.equal(written.n, tenants.length + 1);
    }));
  });

  it('computes only the tenant given, under its slug', async () => {
    await scenario(async (s) => {
      await logAnswers(s.owner);
      const rows = await s.as('service_role', (tx) => daily(tx, TENANT.globex));
      assert.deepEqual(rows.map((r) => [r.label, r.tenant_id, r.total_queries]), [['test-globex', TENANT.globex, 1]]);
    });
  });

  it('refuses a missing or future date and an unknown tenant, writing nothing', async () => {
    await scenario(async (s) => {
      const refused: [string, (tx: Tx) => Promise<unknown>, string, RegExp][] = [
        ['no date', (tx) => tx`select * from private.calculate_daily_rag_metrics(null)`, '22004', /p_date is required/],
        ['future', (tx) => tx`select * from private.calculate_daily_rag_metrics(current_date + 2)`, '22023', /is in the future/],
        ['unknown tenant', (tx) => tx`select * from private.calculate_daily_rag_metrics(${DAY}, '00000000-0000-4000-8000-00000000dead')`, '23503', /tenant .* does not exist/],
      ];
      for (const [what, call, code, message] of refused) {
        const err = await s.errorAs('service_role', call);
        assert.equal(err.code, code, what);
        assert.match(err.message, message, what);
      }
      const [written] = await s.owner`select count(*)::int as n from public.rag_metrics_history where date = ${DAY}`;
      assert.equal(written.n, 0);
    });
  });

  it('runs for service_role only', async () => {
    await asUser(USER.alice, async (tx) => assert.equal((await sqlError(tx, (sp) => sp`select * from private.calculate_daily_rag_metrics(${DAY})`)).code, '42501'));
    await asAnon(async (tx) => assert.equal((await sqlError(tx, (sp) => sp`select * from private.calculate_daily_rag_metrics(${DAY})`)).code, '42501'));
    const [grants] = await asOwner((tx) => tx`
      select has_function_privilege('service_role', 'private.calculate_daily_rag_metrics(date, uuid)', 'execute') as service,
             has_function_privilege('authenticated', 'private.calculate_daily_rag_metrics(date, uuid)', 'execute') as member,
             has_function_privilege('anon', 'private.calculate_daily_rag_metrics(date, uuid)', 'execute') as anon`);
    assert.deepEqual({ ...grants }, { service: true, member: false, anon: false });
  });
});

/** Ingestion rows in acme's conversation c2, created in 2000 so they list before any other test's. */
async function ingestions(owner: Tx): Promise<Record<string, string>> {
  const rows: [string, string, string | null, string | null, string, string][] = [
    // key, status, storage_path, pending_raw_text, created_at, updated_at (the claim's heartbeat)
    ['stored', 'raw_stored', 'p/stored', null, '2000-01-01T00:00:00Z', '2000-01-01T00:00:00Z'],
    ['pending', 'storage_pending', null, 'kept', '2000-01-01T00:00:01Z', '2000-01-01T00:00:01Z'],
    ['abandoned', 'receiving', null, null, '2000-01-01T00:00:02Z', new Date(Date.now() - 6 * 60_000).toISOString()],
    ['uploading', 'receiving', null, null, '2000-01-01T00:00:03Z', new Date(Date.now() - 60_000).toISOString()],
    ['pending2', 'storage_pending', null, 'kept', '2000-01-01T00:00:04Z', '2000-01-01T00:00:04Z'],
  ];
  const ids: Record<string, string> = {};
  for (const [key, status, storagePath, text, created, updated] of rows) {
    const [row] = await owner`
      insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes,
                                                  storage_path, pending_raw_text, status, created_at, updated_at)
      values (${TENANT.acme}, ${CONVERSATION.c2}, ${USER.bob}, ${`pending-list-${key}`}, ${SHA}, 4, ${storagePath}, ${text}, ${status}, ${created}, ${updated})
      returning id`;
    ids[key] = row.id;
  }
  return ids;
}

describe('private.pending_raw_ingestions', () => {
  it('lists storage_pending rows and claims without a heartbeat for 5 minutes, oldest first, up to the limit', async () => {
    await scenario(async (s) => {
      const ids = await ingestions(s.owner);
      const three = await s.as('service_role', (tx) => tx`select * from private.pending_raw_ingestions(3)`);
      assert.deepEqual(three.map((r) => ({ ...r })), ['pending', 'abandoned', 'pending2'].map((k) => ({ id: ids[k], conversation_id: CONVERSATION.c2 })));
      const two = await s.as('service_role', (tx) => tx`select id from private.pending_raw_ingestions(2)`);
      assert.deepEqual(two.map((r) => r.id), [ids.pending, ids.abandoned]);
      const all = await s.as('service_role', (tx) => tx`select id from private.pending_raw_ingestions(100000)`);
      assert.ok(!all.some((r) => r.id === ids.stored || r.id === ids.uploading), 'neither stored rows nor live claims');
    });
  });

  it('refuses a missing limit or one below 1', async () => {
    await scenario(async (s) => {
      const none = await s.errorAs('service_role', (tx) => tx`select * from private.pending_raw_ingestions(null)`);
      assert.deepEqual([none.code, /p_limit is required/.test(none.message)], ['22004', true]);
      const zero = await s.errorAs('service_role', (tx) => tx`select * from private.pending_raw_ingestions(0)`);
      assert.deepEqual([zero.code, /at least 1, got 0/.test(zero.message)], ['22023', true]);
    });
  });

  it('runs for service_role only', async () => {
    await asUser(USER.bob, async (tx) => assert.equal((await sqlError(tx, (sp) => sp`select * from private.pending_raw_ingestions(10)`)).code, '42501'));
    await asAnon(async (tx) => assert.equal((await sqlError(tx, (sp) => sp`select * from private.pending_raw_ingestions(10)`)).code, '42501'));
    const [grants] = await asOwner((tx) => tx`
      select has_function_privilege('service_role', 'private.pending_raw_ingestions(integer)', 'execute') as service,
             has_function_privilege('authenticated', 'private.pending_raw_ingestions(integer)', 'execute') as member,
             has_function_privilege('anon', 'private.pending_raw_ingestions(integer)', 'execute') as anon`);
    assert.deepEqual({ ...grants }, { service: true, member: false, anon: false });
  });
});
