/**
 * The shield bench's variants, part 2: the record function of a variant on its bench tables
 * (scripts/bench/shield-variants.ts puts them together).
 */
import { CHECK_STATEMENTS, type Part, UNCHECKED, VALID_EXPRESSION, type VariantShape } from './shield-variant-tables.ts';

/** The record function of one variant (SECURITY DEFINER, pinned search_path), on bench tables. */
export function recordSql(p: string, s: VariantShape, omit: Part[] = [], tables = p): string {
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

