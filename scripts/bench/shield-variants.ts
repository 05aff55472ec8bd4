/**
 * The variants of atomic_update_user_behavior that the shield bench measures against the ceiling
 * (issue 20), created in the scratch schema `bench` of the throwaway bench database, never by a
 * migration. Each variant has its own copy of the two moderation tables and its own functions, so
 * every one starts from the same state; each differs from "before" (the RPC as 20261201110200 left
 * it, on the tables as they were then) in one thing only, and "kept" is what 20261201160000 made
 * of it. "before" and "kept" run the real function texts (the statement of 20261201110200 and
 * supabase/schema/functions/private.record_user_behavior_violation.sql) on bench copies of the
 * tables; the other variants are generated from a template whose base behaves as "before"
 * (tests/db/user-behavior-variants.test.ts checks that every variant records and refuses exactly
 * what the RPC does).
 *
 * The SQL is generated from one template so that a variant is exactly its one change:
 *   tables      'checks'  the CHECK constraints of 20261121160000/20261121210000, re-parsed for
 *                         every statement that writes the table;
 *               'domains' the one-column rules as domains (checked from the session's type
 *                         cache, and only for the columns a statement assigns), one CHECK left per
 *                         table (the rules that span columns; the number of action tags);
 *   counts      'jsonb'   severity_counts, a jsonb column (domain public.severity_counts);
 *               'columns' four integer columns; the RPC still returns the jsonb object;
 *   trigger     'always'  the updated_at trigger fires on every update;
 *               'when'    it fires only when the statement leaves updated_at unchanged;
 *   validation  'statements' one PL/pgSQL IF per rule;
 *               'expression' one expression decides that a call is valid; only a call it refuses
 *                         goes through the per-rule statements, which raise the error;
 *   ring        'cte'     the ring slot is written by the upsert's statement (a data-modifying CTE);
 *               'statement' by a second statement after it;
 *   result      'row'     the upsert returns the row into a record variable, the result is built
 *                         from it (and a blocking update returns the row again);
 *               'returning' the upsert's RETURNING builds the result; blocking patches it;
 *   write       'upsert'  one INSERT ... ON CONFLICT DO UPDATE per table, the caller check in its
 *                         WHERE (as 20261121210000 made it);
 *               'update-first' a plain UPDATE of the record, then of the ring slot once the ring
 *                         is full; INSERT ... ON CONFLICT only for an account's first violation
 *                         or a slot not written yet; a member's membership checked by its own
 *                         statement before any write, the tenant only when the record is new
 *                         (ring and result as 'statement' and 'row');
 *   wrapper     'plpgsql' the public function is PL/pgSQL with a pinned search_path;
 *               'sql'     a SQL function without `set search_path` (inlined into the caller).
 */

export interface VariantShape {
  tables: 'checks' | 'domains';
  counts: 'jsonb' | 'columns';
  trigger: 'always' | 'when';
  validation: 'statements' | 'expression';
  ring: 'cte' | 'statement';
  result: 'row' | 'returning';
  write: 'upsert' | 'update-first';
  wrapper: 'plpgsql' | 'sql';
}

import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib/stack-config.ts';

export interface ShieldVariant {
  key: string;
  label: string;
  /** The function the bench calls with the RPC's five arguments. */
  fn: string;
  /** Its record table (for the distinct-accounts fixture), absent for the plain floor. */
  behaviors?: string;
  /** It is the whole RPC (the floors are not): same results and refusals. */
  whole: boolean;
}

const BEFORE: VariantShape = {
  tables: 'checks', counts: 'jsonb', trigger: 'always', validation: 'statements', ring: 'cte', result: 'row', write: 'upsert', wrapper: 'plpgsql',
};
/** What 20261201160000 keeps (see docs/performance.md for the figures behind each choice). */
export const KEPT: VariantShape = {
  tables: 'domains', counts: 'jsonb', trigger: 'always', validation: 'statements', ring: 'statement', result: 'row', write: 'update-first', wrapper: 'plpgsql',
};

/** `source`: the variant runs that function text (on its bench tables) instead of the template's. */
const MATRIX: { key: string; label: string; shape: VariantShape; source?: () => string }[] = [
  { key: 'before', label: '(a) before: 20261201110200 as it was', shape: BEFORE, source: () => definitionIn('migrations/20261201110200_extract_user_behavior_rules.sql') },
  { key: 'b_columns', label: '(b) severity counts as integer columns', shape: { ...BEFORE, counts: 'columns' } },
  { key: 'c_expression', label: '(c) validation in one expression', shape: { ...BEFORE, validation: 'expression' } },
  { key: 'd_statement', label: '(d) ring slot in a second statement', shape: { ...BEFORE, ring: 'statement' } },
  { key: 'e_sql_wrapper', label: '(e) SQL wrapper without set search_path', shape: { ...BEFORE, wrapper: 'sql' } },
  { key: 'f_returning', label: '(f) result built by RETURNING', shape: { ...BEFORE, result: 'returning' } },
  { key: 'g_domains', label: '(g) CHECKs as domains', shape: { ...BEFORE, tables: 'domains' } },
  { key: 'h_trigger_when', label: '(h) updated_at trigger with WHEN', shape: { ...BEFORE, trigger: 'when' } },
  { key: 'i_update_first', label: '(i) update first, upsert only when new', shape: { ...BEFORE, write: 'update-first', ring: 'statement' } },
  { key: 'kept', label: 'kept: (g)+(i), 20261201160000', shape: KEPT, source: () => definitionIn('schema/functions/private.record_user_behavior_violation.sql') },
];

/** A part of the RPC's work that an ablation leaves out. */
export type Part = 'validation' | 'ring' | 'result' | 'blocking';

/**
 * The kept shape without one part of its work each, on kept's own tables (the same rows and
 * pages), so kept minus each is what that part costs. Not the RPC any more: the bench measures
 * their server-side cost only.
 */
export const ABLATIONS: { key: string; label: string; fn: string; omit: Part }[] = ([
  ['validation', 'the argument and payload checks'],
  ['ring', 'the recent-action slot write'],
  ['result', 'the jsonb result'],
  ['blocking', 'the blocking rule'],
] as const).map(([part, what]) => ({ key: `kept_no_${part}`, label: `kept without ${what}`, fn: `bench.kept_no_${part}_rpc`, omit: part }));

/** The variants in the order the bench reports them (floors first, the migrated RPC last). */
export const VARIANTS: ShieldVariant[] = [
  { key: 'floor', label: 'floor: the wrapper pair around the ceiling\'s upsert', fn: 'bench.floor_rpc', whole: false },
  { key: 'core', label: 'core: the two writes alone, kept tables and write path', fn: 'bench.core_rpc', behaviors: 'bench.core_behaviors', whole: false },
  ...MATRIX.map((v) => ({ key: v.key, label: v.label, fn: `bench.${v.key}_rpc`, behaviors: `bench.${v.key}_behaviors`, whole: true })),
  { key: 'rpc', label: 'public.atomic_update_user_behavior as migrated', fn: 'public.atomic_update_user_behavior', behaviors: 'public.user_behaviors', whole: true },
];

/** The ceiling: a plain single-statement upsert on a comparable table (one hot key, or one of 10,000). */
export const CEILING_SQL = `
create table if not exists bench.plain_counter (
  tenant_id uuid not null, platform text not null, platform_user_id text not null,
  total_violations integer not null default 0, primary key (tenant_id, platform, platform_user_id));`;

const DOMAINS_SQL = `
create domain bench.moderation_text as text check (char_length(value) between 1 and 200);
create domain bench.toxicity_score as numeric(5, 4) check (value between 0 and 1);
create domain bench.violation_count as integer check (value >= 0);`;

function tablesSql(p: string, s: VariantShape): string {
  const d = s.tables === 'domains';
  const text = d ? 'bench.moderation_text' : 'text';
  const score = d ? 'bench.toxicity_score' : 'numeric(5, 4)';
  const count = d ? 'bench.violation_count' : 'integer';
  const counts = s.counts === 'jsonb'
    ? `severity_counts public.severity_counts not null default '{"low": 0, "medium": 0, "high": 0, "critical": 0}',`
    : `low_count ${count} not null default 0, medium_count ${count} not null default 0,
       high_count ${count} not null default 0, critical_count ${count} not null default 0,`;
  const checks = d ? '' : `
  constraint ${p}_user_id_length check (char_length(platform_user_id) between 1 and 200),
  constraint ${p}_username_length check (platform_username is null or char_length(platform_username) between 1 and 200),
  constraint ${p}_total_nonnegative check (total_violations >= 0),${s.counts === 'columns' ? `
  constraint ${p}_counts_nonnegative check (low_count >= 0 and medium_count >= 0 and high_count >= 0 and critical_count >= 0),` : ''}
  constraint ${p}_scores_range check (
    (last_toxicity_score is null or last_toxicity_score between 0 and 1)
    and (max_toxicity_score is null or max_toxicity_score between 0 and 1)),`;
  const actionCheck = d
    ? 'check (sequence > 0 and slot = (sequence - 1) % 50 and cardinality(action_tags) <= 20)'
    : `check (
    sequence > 0 and slot = (sequence - 1) % 50
    and (toxicity_score is null or toxicity_score between 0 and 1)
    and (comment_id is null or char_length(comment_id) between 1 and 200)
    and cardinality(action_tags) <= 20)`;
  return `
create table bench.${p}_behaviors (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  platform public.moderation_platform not null,
  platform_user_id ${text} not null,
  platform_username ${text},
  total_violations ${count} not null default 0,
  ${counts}
  last_violation_at timestamptz,
  last_toxicity_score ${score},
  max_toxicity_score ${score},
  is_blocked boolean not null default false,
  blocked_reason text,
  blocked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ${p}_account_key unique (tenant_id, platform, platform_user_id),
  constraint ${p}_id_tenant_key unique (id, tenant_id),${checks}
  constraint ${p}_blocked_reason check (is_blocked = (blocked_reason is not null) and is_blocked = (blocked_at is not null))
) with (fillfactor = 70);
create index ${p}_tenant_blocked_idx on bench.${p}_behaviors (tenant_id, blocked_at desc) where is_blocked;
create trigger ${p}_set_updated_at before update on bench.${p}_behaviors for each row
  ${s.trigger === 'when' ? 'when (new.updated_at is not distinct from old.updated_at) ' : ''}execute function private.set_updated_at();
create table bench.${p}_actions (
  behavior_id uuid not null,
  slot smallint not null,
  tenant_id uuid not null,
  sequence integer not null,
  comment_id ${text},
  severity public.violation_severity not null,
  toxicity_score ${score},
  action_tags text[] not null default '{}',
  at timestamptz not null,
  constraint ${p}_actions_pkey primary key (behavior_id, slot),
  constraint ${p}_actions_behavior_fkey foreign key (behavior_id, tenant_id)
    references bench.${p}_behaviors (id, tenant_id) on delete cascade,
  constraint ${p}_actions_valid ${actionCheck}
) with (fillfactor = 70);`;
}

/** The per-rule checks of 20261201110200, verbatim: they raise the error of the first rule a call breaks. */
const CHECK_STATEMENTS = `
  if p_organization_id is null or p_platform is null or p_platform_user_id is null or p_violation_data is null then
    raise exception 'atomic_update_user_behavior: organization id, platform, platform user id and violation data are required'
      using errcode = '22004';
  end if;
  begin
    v_platform_label := p_platform::public.moderation_platform;
  exception when invalid_text_representation then
    raise exception 'atomic_update_user_behavior: unknown platform "%"', p_platform
      using errcode = '22023', hint = 'one of ' || array_to_string(enum_range(null::public.moderation_platform), ', ');
  end;
  if char_length(p_platform_user_id) not between 1 and 200
     or (p_platform_username is not null and char_length(p_platform_username) not between 1 and 200) then
    raise exception 'atomic_update_user_behavior: platform user id and username must be 1-200 characters'
      using errcode = '22023';
  end if;
  if jsonb_typeof(p_violation_data) <> 'object' then
    raise exception 'atomic_update_user_behavior: violation data must be a JSON object' using errcode = '22023';
  end if;
  if p_violation_data - '{severity,toxicity_score,action_tags,comment_id}'::text[] <> '{}'::jsonb then
    raise exception 'atomic_update_user_behavior: unknown key in violation data: %',
      (select string_agg(k, ', ') from jsonb_object_keys(p_violation_data - '{severity,toxicity_score,action_tags,comment_id}'::text[]) k)
      using errcode = '22023', hint = 'allowed keys: severity, toxicity_score, action_tags, comment_id';
  end if;
  v_severity := p_violation_data ->> 'severity';
  begin
    v_severity_label := v_severity::public.violation_severity;
  exception when invalid_text_representation then
    v_severity := null; -- not a severity: refused just below
  end;
  if jsonb_typeof(p_violation_data -> 'severity') is distinct from 'string' or v_severity is null then
    raise exception 'atomic_update_user_behavior: severity is required and must be low, medium, high or critical'
      using errcode = '22023';
  end if;
  if jsonb_typeof(p_violation_data -> 'toxicity_score') <> 'null' then
    if jsonb_typeof(p_violation_data -> 'toxicity_score') <> 'number'
       or (p_violation_data ->> 'toxicity_score')::numeric not between 0 and 1 then
      raise exception 'atomic_update_user_behavior: toxicity_score must be a number between 0 and 1'
        using errcode = '22023';
    end if;
    v_score := round((p_violation_data ->> 'toxicity_score')::numeric, 4);
  end if;
  v_tags := coalesce(p_violation_data -> 'action_tags', '[]'::jsonb);
  if jsonb_typeof(v_tags) <> 'array' or jsonb_array_length(v_tags) > 20
     or jsonb_path_exists(v_tags, '$[*] ? (@.type() != "string" || !(@ like_regex "^.{1,50}$" flag "s"))') then
    raise exception 'atomic_update_user_behavior: action_tags must be an array of up to 20 strings of 1-50 characters'
      using errcode = '22023';
  end if;
  if jsonb_typeof(p_violation_data -> 'comment_id') <> 'null' then
    if jsonb_typeof(p_violation_data -> 'comment_id') <> 'string'
       or char_length(p_violation_data ->> 'comment_id') not between 1 and 200 then
      raise exception 'atomic_update_user_behavior: comment_id must be a string of 1-200 characters'
        using errcode = '22023';
    end if;
    v_comment_id := p_violation_data ->> 'comment_id';
  end if;`;

/** For the cost of validation: the values the checks would assign, assigned without checking. */
const UNCHECKED = `
  v_platform_label := p_platform::public.moderation_platform;
  v_severity := p_violation_data ->> 'severity';
  v_severity_label := v_severity::public.violation_severity;
  v_score := round((p_violation_data ->> 'toxicity_score')::numeric, 4);
  v_tags := coalesce(p_violation_data -> 'action_tags', '[]'::jsonb);
  v_comment_id := p_violation_data ->> 'comment_id';`;

/** One expression true exactly when the per-rule checks would pass (enum labels aside). */
const VALID_EXPRESSION = `
  v_tags := coalesce(p_violation_data -> 'action_tags', '[]'::jsonb);
  v_valid := coalesce(
    p_organization_id is not null and p_platform is not null
    and char_length(p_platform_user_id) between 1 and 200
    and (p_platform_username is null or char_length(p_platform_username) between 1 and 200)
    and jsonb_typeof(p_violation_data) = 'object'
    and p_violation_data - '{severity,toxicity_score,action_tags,comment_id}'::text[] = '{}'::jsonb
    and jsonb_typeof(p_violation_data -> 'severity') = 'string'
    and case coalesce(jsonb_typeof(p_violation_data -> 'toxicity_score'), 'null')
          when 'null' then true
          when 'number' then (p_violation_data ->> 'toxicity_score')::numeric between 0 and 1
          else false end
    and case jsonb_typeof(v_tags)
          when 'array' then jsonb_array_length(v_tags) <= 20
            and not jsonb_path_exists(v_tags, '$[*] ? (@.type() != "string" || !(@ like_regex "^.{1,50}$" flag "s"))')
          else false end
    and case coalesce(jsonb_typeof(p_violation_data -> 'comment_id'), 'null')
          when 'null' then true
          when 'string' then char_length(p_violation_data ->> 'comment_id') between 1 and 200
          else false end,
    false);
  if v_valid then
    v_severity := p_violation_data ->> 'severity';
    begin
      v_platform_label := p_platform::public.moderation_platform;
      v_severity_label := v_severity::public.violation_severity;
    exception when invalid_text_representation then
      v_valid := false;
    end;
    v_score := round((p_violation_data ->> 'toxicity_score')::numeric, 4);
    v_comment_id := p_violation_data ->> 'comment_id';
  end if;
  if not v_valid then${CHECK_STATEMENTS.replace(/\n/g, '\n  ')}
  end if;`;

/** The record function of one variant (SECURITY DEFINER, pinned search_path), on bench tables. */
function recordSql(p: string, s: VariantShape, omit: Part[] = [], tables = p): string {
  if (omit.length && (s.write !== 'update-first' || s.validation !== 'statements')) throw new Error('parts are left out of the kept shape only');
  const B = `bench.${tables}_behaviors`;
  const A = `bench.${tables}_actions`;
  const cols = s.counts === 'columns';
  const countOf = (row: string) => cols
    ? `case v_severity when 'low' then ${row}.low_count when 'medium' then ${row}.medium_count when 'high' then ${row}.high_count else ${row}.critical_count end`
    : `(${row}.severity_counts ->> v_severity)::int`;
  const countsJson = (row: string) => cols
    ? `jsonb_build_object('low', ${row}.low_count, 'medium', ${row}.medium_count, 'high', ${row}.high_count, 'critical', ${row}.critical_count)`
    : `${row}.severity_counts`;
  const insertCols = cols ? 'low_count, medium_count, high_count, critical_count' : 'severity_counts';
  const insertVals = cols
    ? `(v_severity = 'low')::int, (v_severity = 'medium')::int, (v_severity = 'high')::int, (v_severity = 'critical')::int`
    : `jsonb_build_object('low', 0, 'medium', 0, 'high', 0, 'critical', 0) || jsonb_build_object(v_severity, 1)`;
  const updateCounts = cols
    ? `low_count = b.low_count + (v_severity = 'low')::int,
      medium_count = b.medium_count + (v_severity = 'medium')::int,
      high_count = b.high_count + (v_severity = 'high')::int,
      critical_count = b.critical_count + (v_severity = 'critical')::int`
    : `severity_counts = b.severity_counts || jsonb_build_object(v_severity, (b.severity_counts ->> v_severity)::int + 1)`;
  const resultOf = (row: string) => `jsonb_build_object(
    'id', ${row}.id,
    'organization_id', ${row}.tenant_id,
    'platform', ${row}.platform,
    'user_id', ${row}.platform_user_id,
    'platform_username', ${row}.platform_username,
    'total_violations', ${row}.total_violations,
    'severity_counts', ${countsJson(row)},
    'last_violation_at', ${row}.last_violation_at,
    'last_toxicity_score', ${row}.last_toxicity_score,
    'max_toxicity_score', ${row}.max_toxicity_score,
    'is_blocked', ${row}.is_blocked,
    'blocked_reason', ${row}.blocked_reason,
    'recent_action_count', least(${row}.total_violations, private.user_behavior_ring_size()),
    'action', jsonb_build_object('comment_id', v_comment_id, 'severity', v_severity, 'toxicity_score', v_score,
                                 'action_tags', v_tags, 'at', v_at)
  )`;
  const returningList = s.result === 'row' ? 'b.*' : `b.id, b.tenant_id, b.total_violations, b.is_blocked, ${countOf('b')} as severity_count, ${resultOf('b')} as result`;
  const upsert = `insert into ${B} as b (
      tenant_id, platform, platform_user_id, platform_username, total_violations, ${insertCols},
      last_violation_at, last_toxicity_score, max_toxicity_score
    )
    select
      p_organization_id, p_platform::public.moderation_platform, p_platform_user_id, p_platform_username, 1,
      ${insertVals},
      v_at, v_score, v_score
    where case when v_member_check
               then exists (select 1 from public.users u where u.id = v_uid and u.tenant_id = p_organization_id)
               else exists (select 1 from public.tenants t where t.id = p_organization_id) end
    on conflict (tenant_id, platform, platform_user_id) do update set
      platform_username = coalesce(excluded.platform_username, b.platform_username),
      total_violations = b.total_violations + 1,
      ${updateCounts},
      last_violation_at = excluded.last_violation_at,
      last_toxicity_score = coalesce(excluded.last_toxicity_score, b.last_toxicity_score),
      max_toxicity_score = greatest(b.max_toxicity_score, excluded.max_toxicity_score),
      updated_at = v_at`;
  const ringInsert = (src: string, from: string) => `insert into ${A} as a (
      behavior_id, slot, tenant_id, sequence, comment_id, severity, toxicity_score, action_tags, at
    )
    select ${src}.id, (${src}.total_violations - 1) % private.user_behavior_ring_size(), ${src}.tenant_id, ${src}.total_violations,
           v_comment_id, v_severity::public.violation_severity, v_score,
           array(select jsonb_array_elements_text(v_tags)), v_at
    ${from}
    on conflict (behavior_id, slot) do update set
      sequence = excluded.sequence,
      comment_id = excluded.comment_id,
      severity = excluded.severity,
      toxicity_score = excluded.toxicity_score,
      action_tags = excluded.action_tags,
      at = excluded.at`;
  const into = s.result === 'row' ? 'v_row' : 'v_id, v_tenant, v_total, v_blocked, v_count, v_result';
  const notFound = (id: string) => `
  if ${id} is null then
    if v_member_check then
      raise exception 'atomic_update_user_behavior: the caller is not a member of organization %', p_organization_id
        using errcode = '42501';
    end if;
    raise exception 'atomic_update_user_behavior: organization % does not exist', p_organization_id
      using errcode = '23503';
  end if;`;
  let write: string;
  if (s.write === 'update-first') {
    if (s.result !== 'row' || s.ring !== 'statement') throw new Error('update-first writes the ring by its own statement and returns the row');
    write = `  if v_member_check and not exists (select 1 from public.users u where u.id = v_uid and u.tenant_id = p_organization_id) then
    raise exception 'atomic_update_user_behavior: the caller is not a member of organization %', p_organization_id
      using errcode = '42501';
  end if;

  update ${B} as b set
    platform_username = coalesce(p_platform_username, b.platform_username),
    total_violations = b.total_violations + 1,
    ${updateCounts},
    last_violation_at = v_at,
    last_toxicity_score = coalesce(v_score, b.last_toxicity_score),
    max_toxicity_score = greatest(b.max_toxicity_score, v_score),
    updated_at = v_at
  where b.tenant_id = p_organization_id and b.platform = v_platform_label and b.platform_user_id = p_platform_user_id
  returning b.* into v_row;
  if v_row.id is null then
    ${upsert.replace(/\n {4}where case when v_member_check[\s\S]*?end\n/, '\n    where v_member_check or exists (select 1 from public.tenants t where t.id = p_organization_id)\n').replace(/\n/g, '\n  ')}
    returning b.* into v_row;${notFound('v_row.id').replace(/\n/g, '\n  ')}
  end if;

${omit.includes('ring') ? '' : `  v_slot := (v_row.total_violations - 1) % private.user_behavior_ring_size();
  if v_row.total_violations > private.user_behavior_ring_size() then
    update ${A} as a set
      sequence = v_row.total_violations, comment_id = v_comment_id, severity = v_severity_label, toxicity_score = v_score,
      action_tags = array(select jsonb_array_elements_text(v_tags)), at = v_at
    where a.behavior_id = v_row.id and a.slot = v_slot;
    v_written := found;
  end if;
  if not v_written then
    ${ringInsert('v_row', '').replace(/\n/g, '\n  ')};
  end if;`}`;
  } else {
    write = (s.ring === 'cte'
      ? `  with account as (
    ${upsert}
    returning ${returningList}
  ), action as (
    ${ringInsert('account', 'from account')}
  )
  select * from account into ${into};`
      : `  ${upsert}
    returning ${returningList} into ${into};`) + notFound(s.result === 'row' ? 'v_row.id' : 'v_id');
    if (s.ring === 'statement') {
      write += `
  ${ringInsert(s.result === 'row' ? 'v_row' : 'x', s.result === 'row' ? '' : 'from (select v_id as id, v_tenant as tenant_id, v_total as total_violations) x')};`;
    }
  }
  const block = s.result === 'row'
    ? `${omit.includes('blocking') ? '' : `  if not v_row.is_blocked then
    v_block_reason := private.user_behavior_block_reason(
      v_severity_label, ${countOf('v_row')}, v_row.total_violations);
    if v_block_reason is not null then
      update ${B} as b
      set is_blocked = true, blocked_reason = v_block_reason, blocked_at = v_at
      where b.id = v_row.id
      returning b.* into v_row;
    end if;
  end if;
`}
  return ${omit.includes('result') ? 'null' : resultOf('v_row')};`
    : `  if not v_blocked then
    v_block_reason := private.user_behavior_block_reason(v_severity_label, v_count, v_total);
    if v_block_reason is not null then
      update ${B} as b
      set is_blocked = true, blocked_reason = v_block_reason, blocked_at = v_at
      where b.id = v_id;
      v_result := v_result || jsonb_build_object('is_blocked', true, 'blocked_reason', v_block_reason);
    end if;
  end if;

  return v_result;`;
  return `
create function bench.${p}_record(
  p_organization_id uuid, p_platform text, p_platform_user_id text, p_platform_username text, p_violation_data jsonb
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_at timestamptz := now();
  v_severity text;
  v_score numeric;
  v_tags jsonb;
  v_comment_id text;
  v_member_check boolean;
  v_platform_label public.moderation_platform;
  v_severity_label public.violation_severity;
  v_block_reason text;${s.result === 'row' ? `
  v_row ${B};` : `
  v_id uuid;
  v_tenant uuid;
  v_total integer;
  v_blocked boolean;
  v_count integer;
  v_result jsonb;`}${s.write === 'update-first' ? `
  v_slot integer;
  v_written boolean := false;` : ''}${s.validation === 'expression' ? `
  v_valid boolean;` : ''}
begin${omit.includes('validation') ? UNCHECKED : s.validation === 'statements' ? CHECK_STATEMENTS : VALID_EXPRESSION}

  v_member_check := v_uid is not null
    or coalesce(nullif(current_setting('role', true), 'none'), session_user::text) in ('anon', 'authenticated');

${write}

${block}
end
$$;`;
}

const ARGS = 'p_organization_id uuid, p_platform text, p_platform_user_id text, p_platform_username text, p_violation_data jsonb';
const PASS = 'p_organization_id, p_platform, p_platform_user_id, p_platform_username, p_violation_data';

function wrapperSql(name: string, target: string, language: VariantShape['wrapper']): string {
  return language === 'plpgsql'
    ? `create function ${name}(${ARGS}) returns jsonb language plpgsql volatile security invoker set search_path = '' as $$
begin
  return ${target}(${PASS});
end
$$;`
    : `create function ${name}(${ARGS}) returns jsonb language sql volatile security invoker as $$
  select ${target}(${PASS})
$$;`;
}

/** The statement defining private.record_user_behavior_violation in a file under supabase/. */
function definitionIn(file: string): string {
  const text = fs.readFileSync(path.join(repoRoot, 'supabase', file), 'utf8');
  const start = text.indexOf('create or replace function private.record_user_behavior_violation(');
  if (start < 0) throw new Error(`no definition of private.record_user_behavior_violation in supabase/${file}`);
  return text.slice(start, text.indexOf('\n$$;', start) + 4);
}

/** A function text of the RPC's body moved onto a variant's bench tables. */
const onBenchTables = (sql: string, key: string) => sql
  .replace('create or replace function private.record_user_behavior_violation(', `create function bench.${key}_record(`)
  .replace(/public\.user_behavior_actions\b/g, `bench.${key}_actions`)
  .replace(/public\.user_behaviors\b/g, `bench.${key}_behaviors`);

/** Everything the variants need, in schema `bench` (created by the caller). */
export function variantsSql(): string {
  const parts = [CEILING_SQL, DOMAINS_SQL];
  // The floor: the ceiling's own upsert behind the RPC's two functions (invoker wrapper, definer body).
  parts.push(`create function bench.floor_record(${ARGS}) returns jsonb language plpgsql volatile security definer set search_path = '' as $$
begin
  insert into bench.plain_counter values (p_organization_id, p_platform, p_platform_user_id, 1)
  on conflict (tenant_id, platform, platform_user_id) do update set total_violations = bench.plain_counter.total_violations + 1;
  return null;
end
$$;`, wrapperSql('bench.floor_rpc', 'bench.floor_record', 'plpgsql'));
  // The core: the kept tables and write path, and the two writes of one violation only (no
  // validation, no caller check, no blocking, no result).
  parts.push(tablesSql('core', KEPT), `create function bench.core_record(${ARGS}) returns jsonb language plpgsql volatile security definer set search_path = '' as $$
declare
  v_id uuid;
  v_tenant uuid;
  v_total integer;
  v_written boolean := false;
begin
  update bench.core_behaviors as b set
    total_violations = b.total_violations + 1,
    severity_counts = b.severity_counts || jsonb_build_object('medium', (b.severity_counts ->> 'medium')::int + 1),
    last_violation_at = now(), updated_at = now()
  where b.tenant_id = p_organization_id and b.platform = p_platform::public.moderation_platform and b.platform_user_id = p_platform_user_id
  returning b.id, b.tenant_id, b.total_violations into v_id, v_tenant, v_total;
  if v_id is null then
    insert into bench.core_behaviors as b (tenant_id, platform, platform_user_id, total_violations, severity_counts, last_violation_at)
    values (p_organization_id, p_platform::public.moderation_platform, p_platform_user_id, 1, '{"low": 0, "medium": 1, "high": 0, "critical": 0}', now())
    on conflict (tenant_id, platform, platform_user_id) do update set
      total_violations = b.total_violations + 1,
      severity_counts = b.severity_counts || jsonb_build_object('medium', (b.severity_counts ->> 'medium')::int + 1),
      last_violation_at = excluded.last_violation_at, updated_at = excluded.last_violation_at
    returning b.id, b.tenant_id, b.total_violations into v_id, v_tenant, v_total;
  end if;
  if v_total > 50 then
    update bench.core_actions as a set sequence = v_total, severity = 'medium', at = now()
    where a.behavior_id = v_id and a.slot = (v_total - 1) % 50;
    v_written := found;
  end if;
  if not v_written then
    insert into bench.core_actions (behavior_id, slot, tenant_id, sequence, severity, at)
    values (v_id, (v_total - 1) % 50, v_tenant, v_total, 'medium', now())
    on conflict (behavior_id, slot) do update set sequence = excluded.sequence, severity = excluded.severity, at = excluded.at;
  end if;
  return null;
end
$$;`, wrapperSql('bench.core_rpc', 'bench.core_record', 'plpgsql'));
  for (const v of MATRIX) {
    parts.push(tablesSql(v.key, v.shape), v.source ? onBenchTables(v.source(), v.key) : recordSql(v.key, v.shape),
      wrapperSql(`bench.${v.key}_rpc`, `bench.${v.key}_record`, v.shape.wrapper));
  }
  for (const a of ABLATIONS) {
    parts.push(recordSql(a.key, KEPT, [a.omit], 'kept'), wrapperSql(a.fn, `bench.${a.key}_record`, 'plpgsql'));
  }
  return parts.join('\n');
}

/** One more variant's tables and functions, `bench.<key>_rpc` (for trying a shape outside the matrix). */
export const variantSql = (key: string, shape: VariantShape) =>
  [tablesSql(key, shape), recordSql(key, shape), wrapperSql(`bench.${key}_rpc`, `bench.${key}_record`, shape.wrapper)].join('\n');
