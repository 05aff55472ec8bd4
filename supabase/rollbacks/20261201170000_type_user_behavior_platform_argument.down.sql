-- Rollback of 20261201170000_type_user_behavior_platform_argument.sql: both functions back to a
-- text platform, as 20261201160000 (the body) and 20261121210000 (the wrapper) defined them, with
-- their previous comments and the same grants.

drop function public.atomic_update_user_behavior(uuid, public.moderation_platform, text, text, jsonb);
drop function private.record_user_behavior_violation(uuid, public.moderation_platform, text, text, jsonb);

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
  v_slot integer;
  v_written boolean := false;
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

  -- The caller: a member of the organization (checked here, before any write), or service_role /
  -- a direct database login.
  v_member_check := v_uid is not null
    or coalesce(nullif(current_setting('role', true), 'none'), session_user::text) in ('anon', 'authenticated');
  if v_member_check and not exists (select 1 from public.users u where u.id = v_uid and u.tenant_id = p_organization_id) then
    raise exception 'atomic_update_user_behavior: the caller is not a member of organization %', p_organization_id
      using errcode = '42501';
  end if;

  -- Every violation of an account but its first: add it to the record with a plain update, under
  -- the row lock the update takes (a concurrent call waits for it and then adds to its result).
  update public.user_behaviors as b set
    platform_username = coalesce(p_platform_username, b.platform_username),
    total_violations = b.total_violations + 1,
    severity_counts = b.severity_counts || jsonb_build_object(v_severity, (b.severity_counts ->> v_severity)::int + 1),
    last_violation_at = v_at,
    last_toxicity_score = coalesce(v_score, b.last_toxicity_score),
    max_toxicity_score = greatest(b.max_toxicity_score, v_score),
    updated_at = v_at
  where b.tenant_id = p_organization_id and b.platform = v_platform_label and b.platform_user_id = p_platform_user_id
  returning b.* into v_row;

  -- The first: insert the record (or, when a concurrent first call inserted it meanwhile, add to it).
  -- A new record needs an existing organization.
  if v_row.id is null then
    insert into public.user_behaviors as b (
      tenant_id, platform, platform_user_id, platform_username, total_violations, severity_counts,
      last_violation_at, last_toxicity_score, max_toxicity_score
    )
    select
      p_organization_id, v_platform_label, p_platform_user_id, p_platform_username, 1,
      jsonb_build_object('low', 0, 'medium', 0, 'high', 0, 'critical', 0) || jsonb_build_object(v_severity, 1),
      v_at, v_score, v_score
    where v_member_check or exists (select 1 from public.tenants t where t.id = p_organization_id)
    on conflict (tenant_id, platform, platform_user_id) do update set
      platform_username = coalesce(excluded.platform_username, b.platform_username),
      total_violations = b.total_violations + 1,
      severity_counts = b.severity_counts || jsonb_build_object(v_severity, (b.severity_counts ->> v_severity)::int + 1),
      last_violation_at = excluded.last_violation_at,
      last_toxicity_score = coalesce(excluded.last_toxicity_score, b.last_toxicity_score),
      max_toxicity_score = greatest(b.max_toxicity_score, excluded.max_toxicity_score),
      updated_at = v_at
    returning b.* into v_row;
    if v_row.id is null then
      raise exception 'atomic_update_user_behavior: organization % does not exist', p_organization_id
        using errcode = '23503';
    end if;
  end if;

  -- The violation into the account's next ring slot, still under the row lock: once the ring is
  -- full the slot exists and is overwritten in place; before, it is inserted.
  v_slot := (v_row.total_violations - 1) % private.user_behavior_ring_size();
  if v_row.total_violations > private.user_behavior_ring_size() then
    update public.user_behavior_actions as a set
      sequence = v_row.total_violations,
      comment_id = v_comment_id,
      severity = v_severity_label,
      toxicity_score = v_score,
      action_tags = array(select jsonb_array_elements_text(v_tags)),
      at = v_at
    where a.behavior_id = v_row.id and a.slot = v_slot;
    v_written := found;
  end if;
  if not v_written then
    insert into public.user_behavior_actions as a (
      behavior_id, slot, tenant_id, sequence, comment_id, severity, toxicity_score, action_tags, at
    )
    values (
      v_row.id, v_slot, v_row.tenant_id, v_row.total_violations, v_comment_id, v_severity_label, v_score,
      array(select jsonb_array_elements_text(v_tags)), v_at
    )
    on conflict (behavior_id, slot) do update set
      sequence = excluded.sequence,
      comment_id = excluded.comment_id,
      severity = excluded.severity,
      toxicity_score = excluded.toxicity_score,
      action_tags = excluded.action_tags,
      at = excluded.at;
  end if;

  -- The blocking rule (private.user_behavior_block_reason) for an account not blocked yet, on its
  -- counts with this violation, still under the row lock: blocked accounts skip it, and the row is
  -- written again only by the violation that blocks it.
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
  'SECURITY DEFINER body of public.atomic_update_user_behavior: validates the violation, checks that an authenticated caller belongs to the organization, adds the violation to the account''s record (a plain update; an insert for its first violation) and writes it into the account''s next recent-action slot; then, under the record''s row lock, blocks an account not blocked yet when the violation trips private.user_behavior_block_reason.';

create or replace function public.atomic_update_user_behavior(
  p_organization_id uuid,
  p_platform text,
  p_platform_user_id text,
  p_platform_username text,
  p_violation_data jsonb
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  return private.record_user_behavior_violation(p_organization_id, p_platform, p_platform_user_id, p_platform_username, p_violation_data);
end
$$;
comment on function public.atomic_update_user_behavior(uuid, text, text, text, jsonb) is
  'Records one moderation violation of an external account atomically (no lost updates under concurrency) and returns {id, organization_id, platform, user_id, platform_username, total_violations, severity_counts, last_violation_at, last_toxicity_score, max_toxicity_score, is_blocked, blocked_reason, recent_action_count, action}. p_violation_data: {severity: low|medium|high|critical (required), toxicity_score: 0-1, action_tags: [string], comment_id: string}. Errors: 22004 missing argument, 22023 invalid value, 23503 unknown organization, 42501 caller not a member. Authenticated members of the organization and service_role.';

revoke all on function private.record_user_behavior_violation(uuid, text, text, text, jsonb) from public, anon;
revoke all on function public.atomic_update_user_behavior(uuid, text, text, text, jsonb) from public, anon;
grant execute on function private.record_user_behavior_violation(uuid, text, text, text, jsonb) to authenticated, service_role;
grant execute on function public.atomic_update_user_behavior(uuid, text, text, text, jsonb) to authenticated, service_role;
