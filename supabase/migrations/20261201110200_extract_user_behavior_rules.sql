-- The moderation blocking rule and the ring size of atomic_update_user_behavior, each stated once.
-- private.record_user_behavior_violation (20261201100000) spelled the thresholds (1 critical, 3 high,
-- 10 in all) in three CASE branches of its upsert plus the first-violation insert, and the size of
-- the recent-action ring (50) twice. They become two functions it calls:
--   * private.user_behavior_block_reason(severity, severity count, total): why a violation blocks
--     its account (its first critical, third high or tenth in all), or null. The same rule: it is
--     evaluated on the violation's own severity, so an account unblocked by hand is blocked again
--     only by a violation that reaches a threshold. PL/pgSQL, since every function here pins its
--     search_path (a pinned SQL function is neither inlined nor cached across calls). It runs after
--     the upsert, under the row lock the upsert took, only while the account is not blocked; the
--     violation that blocks an account writes its row a second time. Measured: no slower than the
--     CASE branches it replaces, for blocked and unblocked accounts.
--   * private.user_behavior_ring_size(): 50. Immutable without arguments, so the planner folds it
--     into a constant: the statement runs exactly as with the literal. The CHECK of
--     public.user_behavior_actions (slot = (sequence - 1) % 50) keeps its literal (a function in
--     a CHECK is evaluated again for every statement); tests/db check that both agree.
-- Public contract unchanged: atomic_update_user_behavior's arguments, result, errors and grants.
-- The current text of each function is in supabase/schema/functions (see README, Adding a migration).

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.user_behavior_block_reason(
  p_severity public.violation_severity,
  p_severity_count integer,
  p_total integer
)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  -- On the path of every violation: plain comparisons, no query.
  if p_severity is null or p_severity_count is null or p_total is null then
    raise exception 'user_behavior_block_reason: severity, severity count and total are required'
      using errcode = '22004';
  end if;
  if p_severity_count < 1 or p_total < 1 then
    raise exception 'user_behavior_block_reason: the counts include the violation, so they are at least 1 (got % and %)',
      p_severity_count, p_total using errcode = '22023';
  end if;
  -- The blocking rule: a violation blocks its account when it is its first critical one, its third
  -- high one, or its tenth in all.
  return case
    when p_severity = 'critical' and p_severity_count >= 1 then 'critical violation'
    when p_severity = 'high' and p_severity_count >= 3 then 'three high-severity violations'
    when p_total >= 10 then 'ten violations'
  end;
end
$$;
comment on function private.user_behavior_block_reason(public.violation_severity, integer, integer) is
  'The moderation blocking rule: why a violation blocks its account, or null. Given the violation''s severity, how many violations of that severity the account has with it, and its total with it: ''critical violation'' for its first critical one, ''three high-severity violations'' for its third high one, ''ten violations'' for its tenth in all. 22004 for a null argument, 22023 for a count below 1. Used by private.record_user_behavior_violation.';

create or replace function private.user_behavior_ring_size()
returns integer
language sql
immutable
set search_path = ''
as $$
  select 50
$$;
comment on function private.user_behavior_ring_size() is
  'How many recent violations each moderated account keeps: the slots of public.user_behavior_actions (slot = (sequence - 1) % 50, as its CHECK says). Immutable without arguments: the planner folds it into a constant.';

create or replace function private.record_user_behavior_violation(
  p_organization_id uuid,
  p_platform text,
  p_platform_user_id text,
  p_platform_username text,
  p_violation_data jsonb
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
  v_row public.user_behaviors;
  v_platform_label public.moderation_platform;
  v_severity_label public.violation_severity;
  v_block_reason text;
begin
  -- Arguments. Every check is a plain expression (no subquery) on the path of a valid call. Enum
  -- labels are checked by casting in a block that catches 22P02 (pg_input_is_valid is 16+): about
  -- 1 us per check, where enum_range(...)::text[] costs about 9 us (it scans pg_enum each call).
  -- The block writes nothing, so its subtransaction takes no transaction id.
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

  -- The violation.
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
  end if;

  -- The caller: a member of the organization, or service_role / a direct database login. The
  -- check is part of the statement below (no row written, none returned when it fails).
  v_member_check := v_uid is not null
    or coalesce(nullif(current_setting('role', true), 'none'), session_user::text) in ('anon', 'authenticated');

  -- One statement: insert the first violation or add this one to the record under its row lock,
  -- then write the violation into the account's next ring slot (serialised by that lock). Blocking
  -- is decided after it, under the same lock.
  with account as (
    insert into public.user_behaviors as b (
      tenant_id, platform, platform_user_id, platform_username, total_violations, severity_counts,
      last_violation_at, last_toxicity_score, max_toxicity_score
    )
    select
      p_organization_id, p_platform::public.moderation_platform, p_platform_user_id, p_platform_username, 1,
      jsonb_build_object('low', 0, 'medium', 0, 'high', 0, 'critical', 0) || jsonb_build_object(v_severity, 1),
      v_at, v_score, v_score
    where case when v_member_check
               then exists (select 1 from public.users u where u.id = v_uid and u.tenant_id = p_organization_id)
               else exists (select 1 from public.tenants t where t.id = p_organization_id) end
    on conflict (tenant_id, platform, platform_user_id) do update set
      platform_username = coalesce(excluded.platform_username, b.platform_username),
      total_violations = b.total_violations + 1,
      severity_counts = b.severity_counts || jsonb_build_object(v_severity, (b.severity_counts ->> v_severity)::int + 1),
      last_violation_at = excluded.last_violation_at,
      last_toxicity_score = coalesce(excluded.last_toxicity_score, b.last_toxicity_score),
      max_toxicity_score = greatest(b.max_toxicity_score, excluded.max_toxicity_score),
      updated_at = v_at
    returning b.*
  ), action as (
    insert into public.user_behavior_actions as a (
      behavior_id, slot, tenant_id, sequence, comment_id, severity, toxicity_score, action_tags, at
    )
    select account.id, (account.total_violations - 1) % private.user_behavior_ring_size(), account.tenant_id, account.total_violations,
           v_comment_id, v_severity::public.violation_severity, v_score,
           array(select jsonb_array_elements_text(v_tags)), v_at
    from account
    on conflict (behavior_id, slot) do update set
      sequence = excluded.sequence,
      comment_id = excluded.comment_id,
      severity = excluded.severity,
      toxicity_score = excluded.toxicity_score,
      action_tags = excluded.action_tags,
      at = excluded.at
  )
  select * from account into v_row;

  if v_row.id is null then
    if v_member_check then
      raise exception 'atomic_update_user_behavior: the caller is not a member of organization %', p_organization_id
        using errcode = '42501';
    end if;
    raise exception 'atomic_update_user_behavior: organization % does not exist', p_organization_id
      using errcode = '23503';
  end if;

  -- The blocking rule (private.user_behavior_block_reason) for an account not blocked yet, on its
  -- counts with this violation, still under the row lock the upsert took: blocked accounts skip it,
  -- and the row is written again only by the violation that blocks it.
  if not v_row.is_blocked then
    v_block_reason := private.user_behavior_block_reason(
      v_severity_label, (v_row.severity_counts ->> v_severity)::int, v_row.total_violations);
    if v_block_reason is not null then
      update public.user_behaviors as b
      set is_blocked = true, blocked_reason = v_block_reason, blocked_at = v_at
      where b.id = v_row.id
      returning b.* into v_row;
    end if;
  end if;

  return jsonb_build_object(
    'id', v_row.id,
    'organization_id', v_row.tenant_id,
    'platform', v_row.platform,
    'user_id', v_row.platform_user_id,
    'platform_username', v_row.platform_username,
    'total_violations', v_row.total_violations,
    'severity_counts', v_row.severity_counts,
    'last_violation_at', v_row.last_violation_at,
    'last_toxicity_score', v_row.last_toxicity_score,
    'max_toxicity_score', v_row.max_toxicity_score,
    'is_blocked', v_row.is_blocked,
    'blocked_reason', v_row.blocked_reason,
    'recent_action_count', least(v_row.total_violations, private.user_behavior_ring_size()),
    'action', jsonb_build_object('comment_id', v_comment_id, 'severity', v_severity, 'toxicity_score', v_score,
                                 'action_tags', v_tags, 'at', v_at)
  );
end
$$;
comment on function private.record_user_behavior_violation(uuid, text, text, text, jsonb) is
  'SECURITY DEFINER body of public.atomic_update_user_behavior: validates the violation, checks that an authenticated caller belongs to the organization, and applies it in one statement (the record''s upsert and the next recent-action slot); then, under the same row lock, blocks an account not blocked yet when the violation trips private.user_behavior_block_reason.';

-- ============================================================================
-- GRANTS (record_user_behavior_violation keeps its grants: create or replace)
-- ============================================================================
revoke all on function private.user_behavior_block_reason(public.violation_severity, integer, integer) from public, anon, authenticated;
revoke all on function private.user_behavior_ring_size() from public, anon, authenticated;
grant execute on function private.user_behavior_block_reason(public.violation_severity, integer, integer) to service_role;
grant execute on function private.user_behavior_ring_size() to service_role;
