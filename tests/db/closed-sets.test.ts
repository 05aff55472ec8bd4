/**
 * Closed sets are enums (issue 19): each column below is typed by its enum, with no CHECK list
 * left beside it; labels sort as the text values did; untyped values (what supabase-js, the Data
 * API and postgres.js send, and SQL literals) compare with and write into them as before; a value
 * outside the set is refused with 22P02 and a message naming the enum; an expression typed text
 * needs a cast. The tenant role is typed wherever it is stored, compared or returned.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asOwner, scenario, sqlError } from '../helpers/db.ts';
import { CONVERSATION, TENANT, USER } from '../helpers/seed-ids.ts';

/** Column -> its enum and labels; the CHECK each replaced. */
const SETS = [
  { column: 'public.messages.role', type: 'message_role', labels: ['assistant', 'system', 'tool', 'user'], check: 'messages_role_check' },
  { column: 'public.users.role', type: 'tenant_role', labels: ['admin', 'member', 'owner'], check: 'users_role_check' },
  { column: 'public.tenant_invitations.role', type: 'tenant_role', labels: ['admin', 'member', 'owner'], check: null },
  { column: 'public.tenants.plan', type: 'tenant_plan', labels: ['enterprise', 'free', 'pro'], check: 'tenants_plan_check' },
  { column: 'public.conversations.processing_status', type: 'processing_status', labels: ['completed', 'failed', 'needs_review', 'pending', 'raw_stored', 'storage_pending'], check: 'conversations_processing_status_check' },
  { column: 'public.conversations.parse_method_used', type: 'parse_method', labels: ['direct', 'jsonrepair', 'manual'], check: 'conversations_parse_method_check' },
  { column: 'public.raw_response_ingestions.status', type: 'ingestion_status', labels: ['completed', 'failed', 'needs_review', 'raw_stored', 'receiving', 'storage_pending'], check: 'raw_response_ingestions_status_check' },
  { column: 'public.plugin_registry.health_status', type: 'plugin_health_status', labels: ['degraded', 'healthy', 'unhealthy', 'unknown'], check: 'plugin_registry_health_check' },
  { column: 'private.job_runs.status', type: 'private.job_run_status', labels: ['failed', 'partial', 'running', 'skipped', 'succeeded'], check: 'job_runs_status_check' },
  { column: 'private.job_run_steps.status', type: 'private.job_step_status', labels: ['failed', 'running', 'succeeded'], check: 'job_run_steps_status_check' },
] as const;

describe('closed sets as enums', () => {
  it('each column is typed by its enum, with the CHECK list it replaced gone', async () => {
    for (const set of SETS) {
      const [schema, table, column] = set.column.split('.');
      const [row] = await asOwner((tx) => tx`
        select format_type(a.atttypid, a.atttypmod) as type,
               (select array_agg(e.enumlabel::text order by e.enumsortorder) from pg_enum e where e.enumtypid = a.atttypid) as labels,
               obj_description(a.atttypid, 'pg_type') as comment
        from pg_attribute a where a.attrelid = format('%I.%I', ${schema}::text, ${table}::text)::regclass and a.attname = ${column}`);
      assert.equal(row.type, set.type, set.column);
      assert.deepEqual(row.labels, [...set.labels], set.column);
      assert.ok(row.comment, `${set.type} has a comment`);
      if (set.check) {
        const [gone] = await asOwner((tx) => tx`select count(*)::int as n from pg_constraint where conname = ${set.check}`);
        assert.equal(gone.n, 0, `${set.check} is gone`);
      }
    }
  });

  it('labels are declared in alphabetical order, so ORDER BY sorts as it did on text', async () => {
    for (const type of new Set(SETS.map((s) => s.type))) {
      const [row] = await asOwner((tx) => tx.unsafe(`
        select array_agg(l::text order by l) = array_agg(l::text order by l::text collate "C") as same
        from unnest(enum_range(null::${type.includes('.') ? type : `public.${type}`})) l`));
      assert.equal(row.same, true, type);
    }
  });

  it('untyped values compare with and write into the enum columns, as postgres.js, the Data API and literals send them', async () => {
    await scenario(async (s) => {
      await s.as('service_role', async (tx) => {
        const [byParam] = await tx`select count(*)::int as n from public.messages where role = ${'assistant'} and conversation_id = ${CONVERSATION.c1}`;
        assert.equal(byParam.n, 1);
        const [byList] = await tx`select count(*)::int as n from public.messages where role = any(${['user', 'assistant']}) and conversation_id = ${CONVERSATION.c1}`;
        assert.equal(byList.n, 2);
        const [inserted] = await tx`insert into public.messages (conversation_id, tenant_id, role, content) values (${CONVERSATION.c1}, ${TENANT.acme}, ${'tool'}, 'x') returning role`;
        assert.equal(inserted.role, 'tool', 'read back as a plain string');
        const [updated] = await tx`update public.conversations set processing_status = ${'needs_review'}, parse_method_used = ${null}
                                   where id = ${CONVERSATION.c1} returning processing_status, parse_method_used`;
        assert.deepEqual({ ...updated }, { processing_status: 'needs_review', parse_method_used: null });
        const [plan] = await tx`update public.tenants set plan = ${'pro'} where id = ${TENANT.acme} returning plan`;
        assert.equal(plan.plan, 'pro');
        // jsonb_to_record / json_populate_record typed by the table (the Data API's writes) convert too.
        const [viaJson] = await tx`insert into public.messages (conversation_id, tenant_id, role, content)
          select r.conversation_id, r.tenant_id, r.role, r.content
          from json_populate_record(null::public.messages, ${tx.json({ conversation_id: CONVERSATION.c1, tenant_id: TENANT.acme, role: 'system', content: 'y' })}::json) r
          returning role`;
        assert.equal(viaJson.role, 'system');
      });
    });
  });

  it('a value outside the set is 22P02 naming the enum; an expression typed text needs a cast (42804 writing, 42883 comparing)', async () => {
    await scenario(async (s) => {
      await s.as('service_role', async (tx) => {
        const bad = await sqlError(tx, (sp) => sp`insert into public.messages (conversation_id, tenant_id, role, content) values (${CONVERSATION.c1}, ${TENANT.acme}, ${'narrator'}, 'x')`);
        assert.deepEqual(bad, { code: '22P02', message: 'invalid input value for enum message_role: "narrator"' });
        const typed = await sqlError(tx, (sp) => sp`insert into public.messages (conversation_id, tenant_id, role, content)
          select ${CONVERSATION.c1}, ${TENANT.acme}, r.role, 'x' from jsonb_to_record('{"role": "user"}') as r(role text)`);
        assert.equal(typed.code, '42804');
        assert.match(typed.message, /column "role" is of type message_role but expression is of type text/);
        const [cast] = await tx`insert into public.messages (conversation_id, tenant_id, role, content)
          select ${CONVERSATION.c1}, ${TENANT.acme}, r.role, 'x' from jsonb_to_record('{"role": "user"}') as r(role public.message_role) returning role`;
        assert.equal(cast.role, 'user', 'typed by the enum in the record definition, it converts');
        assert.equal((await sqlError(tx, (sp) => sp`select 1 from public.messages where role = ${'user'}::text`)).code, '42883');
        assert.equal((await sqlError(tx, (sp) => sp`update private.job_runs set status = 'done'`)).code, '22P02');
        assert.equal((await sqlError(tx, (sp) => sp`update public.tenant_invitations set role = 'guest'`)).code, '22P02');
      });
    });
  });

  it('invitations still never grant owner, although owner is a tenant_role (tenant_invitations_valid)', async () => {
    const [check] = await asOwner((tx) => tx`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'tenant_invitations_valid'`);
    assert.match(check.def, /role = ANY \(ARRAY\['admin'::tenant_role, 'member'::tenant_role\]\)/);
    await scenario(async (s) => {
      const [inv] = await s.as({ user: USER.alice }, (tx) => tx`select id from public.create_invitation('member')`);
      const owner = await s.errorAs('service_role', (tx) => tx`update public.tenant_invitations set role = 'owner' where id = ${inv.id}`);
      assert.equal(owner.code, '23514');
      assert.match(owner.message, /tenant_invitations_valid/);
    });
  });

  it('the tenant role is typed where it is compared and returned: current_tenant_role(), create_invitation(p_role) and its result', async () => {
    const rows = await asOwner((tx) => tx`
      select p.oid::regprocedure::text as fn, format_type(p.prorettype, null) as returns
      from pg_proc p
      where p.oid in ('private.current_tenant_role()'::regprocedure,
                      'public.create_invitation(public.tenant_role, text, interval, integer)'::regprocedure,
                      'private.create_invitation(public.tenant_role, text, interval, integer)'::regprocedure,
                      'private.create_caller_profile(uuid, public.tenant_role, text)'::regprocedure)
      order by 1`);
    assert.deepEqual(rows.map((r) => [r.fn, r.returns]), [
      ['create_invitation(tenant_role,text,interval,integer)', 'created_invitation'],
      ['private.create_caller_profile(uuid,tenant_role,text)', 'users'],
      ['private.create_invitation(tenant_role,text,interval,integer)', 'created_invitation'],
      ['private.current_tenant_role()', 'tenant_role'],
    ]);
    const [attr] = await asOwner((tx) => tx`
      select format_type(a.atttypid, a.atttypmod) as type from pg_attribute a
      where a.attrelid = (select typrelid from pg_type where oid = 'public.created_invitation'::regtype) and a.attname = 'role'`);
    assert.equal(attr.type, 'tenant_role');
    const [old] = await asOwner((tx) => tx`
      select to_regprocedure('public.create_invitation(text, text, interval, integer)') is null as gone,
             to_regprocedure('private.create_caller_profile(uuid, text, text)') is null as profile_gone`);
    assert.deepEqual({ ...old }, { gone: true, profile_gone: true });
    await scenario(async (s) => {
      const [me] = await s.as({ user: USER.alice }, (tx) => tx`select private.current_tenant_role() as role, pg_typeof(private.current_tenant_role())::text as type`);
      assert.deepEqual({ ...me }, { role: 'admin', type: 'tenant_role' });
    });
  });
});
