/**
 * RAG observability and provenance (the "Phase 2" checklist): structure, the checklist's test
 * inserts, citation validation, polymorphic provenance, plugin registry and the RLS matrix.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { asAnon, asOwner, asServiceRole, asUser, scenario, sqlError, type Tx } from '../helpers/db.ts';
import { migratedUpTo, withScratchDatabase } from '../helpers/scratch-database.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

const CITATION = { source: 'materials/handbook.pdf', sourceType: 'material', excerpt: 'Refunds are pro rata within 90 days.', confidence: 0.92, timestamp: '2026-11-20T10:00:00Z' };

const logDialogue = (tx: Tx, extra: Record<string, unknown> = {}) => tx`
  insert into public.ai_dialogue_log ${tx({ tenant_id: TENANT.acme, user_id: USER.alice, session_id: 'test-session-001', query: 'What is the refund window?',
    response: 'Ninety days, pro rata.', model_used: 'gpt-4o', citations: tx.json([CITATION]) as unknown as string, latency_ms: 1250,
    token_cost_jpy: 0.45, citation_rate: 1, prompt_tokens: 820, completion_tokens: 64, ...extra })} returning id`.then((r) => r[0].id as string);

describe('the checklist verification queries', () => {
  it('find the tables and the enums with their values', async () => {
    const rows = await asOwner((tx) => tx`
      select table_name from information_schema.tables where table_schema = 'public'
        and table_name in ('materials', 'ai_dialogue_log', 'provenance', 'rag_metrics_history', 'plugin_registry') order by 1`);
    assert.deepEqual(rows.map((r) => r.table_name), ['ai_dialogue_log', 'materials', 'plugin_registry', 'provenance', 'rag_metrics_history']);
    const enums = await asOwner((tx) => tx`
      select t.typname, array_agg(e.enumlabel::text order by e.enumsortorder) as labels from pg_type t join pg_enum e on e.enumtypid = t.oid
      where t.typname in ('content_type', 'acquisition_method', 'license_type') group by 1 order by 1`);
    const by = Object.fromEntries(enums.map((e) => [e.typname, e.labels]));
    assert.deepEqual(by.content_type, ['material', 'ai_response', 'note_article', 'creation_log', 'generated']);
    assert.ok(by.acquisition_method.includes('manual_upload'));
    assert.ok(by.license_type.includes('cc_by') && by.license_type.includes('cc_by_sa'));
  });

  it('find the columns, the named indexes and foreign keys, and no fk_provenance_content', async () => {
    const cols = await asOwner((tx) => tx`
      select column_name from information_schema.columns where table_schema = 'public' and table_name = 'ai_dialogue_log'`);
    for (const c of ['user_id', 'session_id', 'query', 'response', 'model_used', 'citations', 'latency_ms', 'token_cost_jpy', 'citation_rate', 'prompt_tokens', 'completion_tokens', 'conversation_id', 'message_id', 'created_at', 'updated_at']) {
      assert.ok(cols.some((r) => r.column_name === c), c);
    }
    const indexes = await asOwner((tx) => tx`
      select indexname, indexdef from pg_indexes where schemaname = 'public'
        and indexname in ('idx_ai_dialogue_user_created', 'idx_ai_dialogue_created_at', 'idx_provenance_expiring', 'idx_rag_metrics_date_unique', 'idx_plugin_enabled_healthy')
      order by 1`);
    assert.equal(indexes.length, 5);
    assert.match(indexes.find((i) => i.indexname === 'idx_provenance_expiring')!.indexdef, / WHERE /);
    assert.match(indexes.find((i) => i.indexname === 'idx_plugin_enabled_healthy')!.indexdef, / WHERE /);
    assert.match(indexes.find((i) => i.indexname === 'idx_rag_metrics_date_unique')!.indexdef, /UNIQUE/);
    const fks = await asOwner((tx) => tx`
      select conname from pg_constraint where conname in ('fk_ai_dialogue_user', 'fk_provenance_acquired_by', 'fk_provenance_content') order by 1`);
    assert.deepEqual(fks.map((r) => r.conname), ['fk_ai_dialogue_user', 'fk_provenance_acquired_by']);
    const [setNull] = await asOwner((tx) => tx`select confdeltype from pg_constraint where conname = 'fk_provenance_acquired_by'`);
    assert.equal(setNull.confdeltype, 'n', 'on delete set null');
  });

  it('find exactly the two default plugins, also after the migration runs again', async () => {
    const file = fs.readFileSync(path.join(repoRoot, 'supabase', 'migrations', '20261121170500_create_plugin_registry.sql'), 'utf8');
    await asOwner(async (tx) => {
      await tx.unsafe(file);
      const rows = await tx`select name, source from public.plugin_registry order by source`;
      assert.deepEqual(rows.map((r) => [r.name, r.source]), [['Local Materials', 'local'], ['Note.com Integration', 'note']]);
    });
  });
});

describe('the checklist test inserts', () => {
  it('log a dialogue and its provenance, then clean up', async () => {
    await asServiceRole(async (tx) => {
      const id = await logDialogue(tx);
      const [p] = await tx`insert into public.provenance (tenant_id, content_id, content_type, source_uri, license_type, acquisition_method, acquired_by, rights_holder, retention_years, acquired_at)
                           values (${TENANT.acme}, ${id}, 'ai_response', 'gpt-4o', 'proprietary', 'ai_generated', ${USER.alice}, 'Acme Customer Support', 3, '2026-11-20T10:00:00Z')
                           returning expires_at`;
      assert.equal(p.expires_at.toISOString(), '2029-11-20T10:00:00.000Z');
      await tx`delete from public.ai_dialogue_log where session_id = 'test-session-001'`;
      const [left] = await tx`select (select count(*) from public.ai_dialogue_log where session_id = 'test-session-001')::int as logs,
                                     (select count(*) from public.provenance where content_id = ${id})::int as provenance`;
      assert.deepEqual({ ...left }, { logs: 0, provenance: 0 });
    });
  });
});

describe('ai_dialogue_log citations', () => {
  it('reject a malformed citations value (23514)', async () => {
    const bad: unknown[] = [
      { not: 'an array' },
      ['a string'],
      [{ ...CITATION, source: undefined }],
      [{ ...CITATION, sourceType: 3 }],
      [{ ...CITATION, confidence: 1.2 }],
      [{ ...CITATION, confidence: '0.9' }],
      [{ ...CITATION, excerpt: null }],
      [{ ...CITATION, timestamp: 'yesterday' }],
      Array.from({ length: 101 }, () => CITATION),
    ];
    await asServiceRole(async (tx) => {
      for (const citations of bad) {
        const err = await sqlError(tx, (sp) => logDialogue(sp, { citations: sp.json(JSON.parse(JSON.stringify(citations)) as never) }));
        assert.equal(err.code, '23514', JSON.stringify(citations).slice(0, 80));
      }
      await logDialogue(tx, { citations: tx.json([]) });
    });
  });

  it('refuse negative latency or cost, a citation rate above 1, and a user of another tenant', async () => {
    await asServiceRole(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => logDialogue(sp, { latency_ms: -1 }))).code, '23514');
      assert.equal((await sqlError(tx, (sp) => logDialogue(sp, { token_cost_jpy: -0.1 }))).code, '23514');
      assert.equal((await sqlError(tx, (sp) => logDialogue(sp, { citation_rate: 1.5 }))).code, '23514');
      const err = await sqlError(tx, (sp) => logDialogue(sp, { user_id: USER.carol }));
      assert.equal(err.code, '23503');
      assert.match(err.message, /fk_ai_dialogue_user/);
    });
  });
});

describe('polymorphic provenance', () => {
  const insertProvenance = (tx: Tx, contentId: string, type: string, tenant: string = TENANT.acme) => tx`
    insert into public.provenance (tenant_id, content_id, content_type, license_type, acquisition_method, attribution_text)
    values (${tenant}, ${contentId}, ${type}::public.content_type, 'cc_by', 'manual_upload', 'CC BY 4.0, Acme') returning id`;

  it('rejects a material or AI response that does not exist, or belongs to another tenant', async () => {
    await asServiceRole(async (tx) => {
      const [m] = await tx`insert into public.materials (tenant_id, created_by, title, body) values (${TENANT.acme}, ${USER.alice}, 'Refund handbook', 'Refunds are pro rata.') returning id`;
      await insertProvenance(tx, m.id, 'material');
      let err = await sqlError(tx, (sp) => insertProvenance(sp, '00000000-0000-4000-8000-0000000000aa', 'material'));
      assert.equal(err.code, '23503');
      assert.match(err.message, /no material/);
      err = await sqlError(tx, (sp) => insertProvenance(sp, m.id, 'material', TENANT.globex));
      assert.equal(err.code, '23503');
      err = await sqlError(tx, (sp) => insertProvenance(sp, m.id, 'ai_response'));
      assert.equal(err.code, '23503');
      assert.match(err.message, /no ai_dialogue_log entry/);
      const logId = await logDialogue(tx);
      await insertProvenance(tx, logId, 'ai_response');
      err = await sqlError(tx, (sp) => sp`update public.provenance set content_id = ${'00000000-0000-4000-8000-0000000000bb'} where content_id = ${logId}`);
      assert.equal(err.code, '23503', 'updates are checked too');
    });
  });

  it('accepts content kinds stored elsewhere, and removes provenance with its content', async () => {
    await asServiceRole(async (tx) => {
      await insertProvenance(tx, '00000000-0000-4000-8000-0000000000cc', 'note_article');
      const [m] = await tx`insert into public.materials (tenant_id, title, source_uri) values (${TENANT.acme}, 'Linked page', 'https://example.com/page') returning id`;
      await insertProvenance(tx, m.id, 'material');
      await tx`delete from public.materials where id = ${m.id}`;
      const [row] = await tx`select count(*)::int as n from public.provenance where content_id = ${m.id}`;
      assert.equal(row.n, 0);
    });
  });

  it('checks licences, hashes and retention', async () => {
    await asServiceRole(async (tx) => {
      const [m] = await tx`insert into public.materials (tenant_id, title, body) values (${TENANT.acme}, 'Doc', 'Text') returning id`;
      const base = { tenant_id: TENANT.acme, content_id: m.id, content_type: 'material', acquisition_method: 'manual_upload' };
      const ins = (extra: Record<string, unknown>) => sqlError(tx, (sp) => sp`insert into public.provenance ${sp({ ...base, ...extra })}`);
      assert.equal((await ins({ license_type: 'cc_by_sa' })).code, '23514', 'CC BY needs attribution');
      assert.equal((await ins({ license_type: 'proprietary', hash_c2pa: 'not-hex' })).code, '23514');
      assert.equal((await ins({ license_type: 'proprietary', retention_years: 0 })).code, '23514');
      assert.equal((await ins({ license_type: 'gpl' })).code, '22P02', 'unknown licence');
      const [ok] = await tx`insert into public.provenance ${tx({ ...base, license_type: 'proprietary', hash_c2pa: 'a'.repeat(64) })} returning expires_at, license_type`;
      assert.deepEqual({ ...ok }, { expires_at: null, license_type: 'proprietary' });
    });
  });
});

describe('plugin registry', () => {
  it('refuses secrets in config, bad health states and duplicate sources', async () => {
    await asServiceRole(async (tx) => {
      const ins = (config: unknown, extra: Record<string, unknown> = {}) =>
        sqlError(tx, (sp) => sp`insert into public.plugin_registry ${sp({ name: 'Drive', source: 'gdrive', config: sp.json(config as never), ...extra })}`);
      assert.equal((await ins({ api_key: 'sk-123' })).code, '23514');
      assert.equal((await ins({ auth: { client_secret: 'x' } })).code, '23514');
      assert.equal((await ins({ password: 'x' })).code, '23514');
      assert.equal((await ins({}, { health_status: 'great' })).code, '22P02', 'health_status is a plugin_health_status');
      assert.equal((await ins({}, { source: 'note' })).code, '23505');
      await tx`insert into public.plugin_registry (name, source, config) values ('Drive', 'gdrive', ${tx.json({ api_key_secret_name: 'gdrive_api_key', token_ref: 'vault:gdrive_token', folder: 'root' })})`;
    });
  });
});

describe('RLS matrix', () => {
  it('materials: members read and add their tenant\'s; authors and admins edit; strangers and anon nothing', async () => {
    await scenario(async (s) => {
      const [m] = await s.as({ user: USER.bob }, (tx) => tx`insert into public.materials (title, body) values ('Macros', 'Use macro #12 for refunds.') returning id, tenant_id, created_by`);
      assert.deepEqual([m.tenant_id, m.created_by], [TENANT.acme, USER.bob]);
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`select id from public.materials`)).length, 1);
      assert.equal((await s.as({ user: USER.carol }, (tx) => tx`select id from public.materials`)).length, 0);
      assert.equal((await s.errorAs({ user: USER.carol }, (tx) => tx`insert into public.materials (tenant_id, title, body) values (${TENANT.acme}, 'x', 'y')`)).code, '42501');
      assert.equal((await s.errorAs({ user: USER.bob }, (tx) => tx`insert into public.materials (title, body, created_by) values ('x', 'y', ${USER.alice})`)).code, '42501');
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`update public.materials set title = 'Refund macros' where id = ${m.id} returning id`)).length, 1);
      assert.equal((await s.as({ user: USER.carol }, (tx) => tx`delete from public.materials where id = ${m.id} returning id`)).length, 0);
      assert.equal((await s.errorAs('anon', (tx) => tx`select id from public.materials`)).code, '42501');
      assert.equal((await s.as({ user: USER.bob }, (tx) => tx`delete from public.materials where id = ${m.id} returning id`)).length, 1);
    });
  });

  it('ai_dialogue_log: users log their own; members read the tenant\'s; nobody but service_role edits', async () => {
    await scenario(async (s) => {
      await s.as({ user: USER.bob }, (tx) => tx`insert into public.ai_dialogue_log (session_id, query, response, model_used) values ('s1', 'q', 'a', 'gpt-4o')`);
      assert.equal((await s.errorAs({ user: USER.bob }, (tx) => tx`insert into public.ai_dialogue_log (user_id, session_id, query, response, model_used) values (${USER.alice}, 's1', 'q', 'a', 'm')`)).code, '42501');
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`select id from public.ai_dialogue_log`)).length, 1);
      assert.equal((await s.as({ user: USER.carol }, (tx) => tx`select id from public.ai_dialogue_log`)).length, 0);
      assert.equal((await s.errorAs({ user: USER.bob }, (tx) => tx`update public.ai_dialogue_log set response = 'edited'`)).code, '42501');
      assert.equal((await s.errorAs({ user: USER.alice }, (tx) => tx`delete from public.ai_dialogue_log`)).code, '42501');
      assert.equal((await s.errorAs('anon', (tx) => tx`select id from public.ai_dialogue_log`)).code, '42501');
    });
  });

  it('provenance: members record; only owners and admins correct or delete', async () => {
    await scenario(async (s) => {
      const [m] = await s.as({ user: USER.bob }, (tx) => tx`insert into public.materials (title, body) values ('Doc', 'Text') returning id`);
      const [p] = await s.as({ user: USER.bob }, (tx) => tx`insert into public.provenance (content_id, content_type, license_type, acquisition_method) values (${m.id}, 'material', 'proprietary', 'manual_upload') returning id, acquired_by`);
      assert.equal(p.acquired_by, USER.bob);
      assert.equal((await s.as({ user: USER.bob }, (tx) => tx`update public.provenance set license_type = 'cc0' where id = ${p.id} returning id`)).length, 0);
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`update public.provenance set license_type = 'cc0' where id = ${p.id} returning id`)).length, 1);
      assert.equal((await s.as({ user: USER.carol }, (tx) => tx`select id from public.provenance`)).length, 0);
      assert.equal((await s.errorAs({ user: USER.bob }, (tx) => tx`insert into public.provenance (content_id, content_type, acquisition_method, acquired_by) values (${m.id}, 'material', 'api', ${USER.alice})`)).code, '42501');
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`delete from public.provenance where id = ${p.id} returning id`)).length, 1);
    });
  });

  it('metrics, SLO targets and plugins: members read (their tenant and the platform rows); only service_role writes', async () => {
    await scenario(async (s) => {
      await s.as('service_role', async (tx) => {
        await tx`insert into public.rag_metrics_history (tenant_id, date) values (${TENANT.acme}, '2026-10-01'), (${TENANT.globex}, '2026-10-01'), (null, '2026-10-01')`;
      });
      const acme = await s.as({ user: USER.bob }, (tx) => tx`select tenant_id from public.rag_metrics_history where date = '2026-10-01' order by tenant_id nulls last`);
      assert.deepEqual(acme.map((r) => r.tenant_id), [TENANT.acme, null]);
      assert.equal((await s.errorAs({ user: USER.alice }, (tx) => tx`insert into public.rag_metrics_history (tenant_id, date) values (${TENANT.acme}, '2026-10-02')`)).code, '42501');
      assert.equal((await s.errorAs({ user: USER.alice }, (tx) => tx`update public.rag_slo_targets set citation_rate_min = 0`)).code, '42501');
      assert.equal((await s.as({ user: USER.bob }, (tx) => tx`select id from public.rag_slo_targets`)).length, 1);
      assert.equal((await s.as({ user: USER.bob }, (tx) => tx`select source from public.plugin_registry`)).length, 2);
      assert.equal((await s.errorAs({ user: USER.alice }, (tx) => tx`update public.plugin_registry set enabled = false`)).code, '42501');
      for (const table of ['rag_metrics_history', 'rag_slo_targets', 'plugin_registry']) {
        assert.equal((await s.errorAs('anon', (tx) => tx.unsafe(`select * from public.${table}`))).code, '42501', table);
      }
    });
  });
});

describe('issue-5 migrations', () => {
  it('can run again over themselves without error or change', async () => {
    const files = fs.readdirSync(path.join(repoRoot, 'supabase', 'migrations')).filter((f) => f.startsWith('2026112117')).sort();
    // Migrated up to the end of the issue-5 set only: later migrations restate some of its functions
    // (calculate_rag_metrics), which running the set again would rightly replace.
    await withScratchDatabase('rerun', { migrate: false }, async (db) => {
      const all = fs.readdirSync(path.join(repoRoot, 'supabase', 'migrations')).filter((f) => f.endsWith('.sql')).sort();
      const { sql, run, dir } = await migratedUpTo(db.open(), all.find((f) => f > files.at(-1)!)!);
      const { schemaSnapshot } = await import('../../scripts/lib/schema-snapshot.ts');
      const before = await schemaSnapshot(sql);
      for (const f of files) await run(path.join(dir('migrations'), f));
      assert.deepEqual(await schemaSnapshot(sql), before);
    });
  });
});
