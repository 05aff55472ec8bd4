-- Rollback of 20261121210000_tune_user_behavior_writes.sql: the recent actions back into the record's
-- jsonb array (oldest first), text platform with its check, plain jsonb severity counts, and the
-- functions as 20261121160000 made them.
alter table public.user_behaviors add column if not exists recent_actions jsonb not null default '[]'::jsonb;
alter table public.user_behaviors alter column recent_actions set storage external;
update public.user_behaviors b
set recent_actions = (
  select jsonb_agg(jsonb_build_object('comment_id', a.comment_id, 'severity', a.severity, 'toxicity_score', a.toxicity_score,
                                      'action_tags', to_jsonb(a.action_tags), 'at', a.at) order by a.sequence)
  from public.user_behavior_actions a
  where a.behavior_id = b.id)
where exists (select 1 from public.user_behavior_actions a where a.behavior_id = b.id);
alter table public.user_behaviors add constraint user_behaviors_recent_actions_bounded check (
    jsonb_typeof(recent_actions) = 'array' and jsonb_array_length(recent_actions) <= 50);
comment on column public.user_behaviors.recent_actions is 'The last 50 violations, oldest first: [{comment_id, severity, toxicity_score, action_tags, at}].';

drop table if exists public.user_behavior_actions;
alter table public.user_behaviors drop constraint if exists user_behaviors_id_tenant_key;

alter table public.user_behaviors alter column severity_counts drop default;
alter table public.user_behaviors
  alter column platform type text using platform::text,
  alter column severity_counts type jsonb using severity_counts::jsonb;
alter table public.user_behaviors alter column severity_counts set default '{"low": 0, "medium": 0, "high": 0, "critical": 0}'::jsonb;
alter table public.user_behaviors add constraint user_behaviors_platform_check check (platform in (
    'twitter', 'youtube', 'instagram', 'facebook', 'discord', 'twitch', 'reddit', 'tiktok', 'bluesky',
    'threads', 'mastodon', 'linkedin', 'telegram', 'whatsapp', 'slack'));
alter table public.user_behaviors add constraint user_behaviors_severity_counts_shape check (
    jsonb_typeof(severity_counts) = 'object'
    and severity_counts ?& array['low', 'medium', 'high', 'critical']
    and jsonb_typeof(severity_counts -> 'low') = 'number' and (severity_counts ->> 'low')::int >= 0
    and jsonb_typeof(severity_counts -> 'medium') = 'number' and (severity_counts ->> 'medium')::int >= 0
    and jsonb_typeof(severity_counts -> 'high') = 'number' and (severity_counts ->> 'high')::int >= 0
    and jsonb_typeof(severity_counts -> 'critical') = 'number' and (severity_counts ->> 'critical')::int >= 0);
comment on column public.user_behaviors.platform is 'External platform: twitter, youtube, instagram, facebook, discord, twitch, reddit, tiktok, bluesky, threads, mastodon, linkedin, telegram, whatsapp or slack.';

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
  v_caller_role text := coalesce(nullif(current_setting('role', true), 'none'), session_user::text);
  v_uid uuid := auth.uid();
  v_severity text;
  v_score numeric;
  v_tags jsonb;
  v_comment_id text;
  v_action jsonb;
  v_row public.user_behaviors;
begin
  -- Arguments.
  if p_organization_id is null or p_platform is null or p_platform_user_id is null or p_violation_data is null then
    raise exception 'atomic_update_user_behavior: organization id, platform, platform user id and violation data are required'
      using errcode = '22004';
  end if;
  if p_platform not in ('twitter', 'youtube', 'instagram', 'facebook', 'discord', 'twitch', 'reddit', 'tiktok', 'bluesky',
                        'threads', 'mastodon', 'linkedin', 'telegram', 'whatsapp', 'slack') then
    raise exception 'atomic_update_user_behavior: unknown platform "%"', p_platform
      using errcode = '22023', hint = 'one of twitter, youtube, instagram, facebook, discord, twitch, reddit, tiktok, bluesky, threads, mastodon, linkedin, telegram, whatsapp, slack';
  end if;
  if char_length(p_platform_user_id) not between 1 and 200
     or (p_platform_username is not null and char_length(p_platform_username) not between 1 and 200) then
    raise exception 'atomic_update_user_behavior: platform user id and username must be 1-200 characters'
      using errcode = '22023';
  end if;

  -- The violation.
  if jsonb_typeof(p_violation_data) <> 'object' then
    raise exception 'atomic_update_user_behavior: violation data must be a JSON object' using errcode = '22023';
  end if;
  if exists (select 1 from jsonb_object_keys(p_violation_data) k
             where k not in ('severity', 'toxicity_score', 'action_tags', 'comment_id')) then
    raise exception 'atomic_update_user_behavior: unknown key in violation data: %',
      (select string_agg(k, ', ') from jsonb_object_keys(p_violation_data) k
       where k not in ('severity', 'toxicity_score', 'action_tags', 'comment_id'))
      using errcode = '22023', hint = 'allowed keys: severity, toxicity_score, action_tags, comment_id';
  end if;
  v_severity := p_violation_data ->> 'severity';
  if jsonb_typeof(p_violation_data -> 'severity') is distinct from 'string'
     or v_severity not in ('low', 'medium', 'high', 'critical') then
    raise exception 'atomic_update_user_behavior: severity is required and must be low, medium, high or critical'
      using errcode = '22023';
  end if;
  if p_violation_data ? 'toxicity_score' and jsonb_typeof(p_violation_data -> 'toxicity_score') <> 'null' then
    if jsonb_typeof(p_violation_data -> 'toxicity_score') <> 'number'
       or (p_violation_data ->> 'toxicity_score')::numeric not between 0 and 1 then
      raise exception 'atomic_update_user_behavior: toxicity_score must be a number between 0 and 1'
        using errcode = '22023';
    end if;
    v_score := round((p_violation_data ->> 'toxicity_score')::numeric, 4);
  end if;
  v_tags := coalesce(p_violation_data -> 'action_tags', '[]'::jsonb);
  if jsonb_typeof(v_tags) <> 'array' or jsonb_array_length(v_tags) > 20
     or exists (select 1 from jsonb_array_elements(v_tags) t
                where jsonb_typeof(t) <> 'string' or char_length(t #>> '{}') not between 1 and 50) then
    raise exception 'atomic_update_user_behavior: action_tags must be an array of up to 20 strings of 1-50 characters'
      using errcode = '22023';
  end if;
  if p_violation_data ? 'comment_id' and jsonb_typeof(p_violation_data -> 'comment_id') <> 'null' then
    if jsonb_typeof(p_violation_data -> 'comment_id') <> 'string'
       or char_length(p_violation_data ->> 'comment_id') not between 1 and 200 then
      raise exception 'atomic_update_user_behavior: comment_id must be a string of 1-200 characters'
        using errcode = '22023';
    end if;
    v_comment_id := p_violation_data ->> 'comment_id';
  end if;

  -- The caller: a member of the organization, or service_role / a direct database login.
  if v_caller_role in ('anon', 'authenticated') or v_uid is not null then
    if v_uid is null or not exists (
      select 1 from public.users u where u.id = v_uid and u.tenant_id = p_organization_id
    ) then
      raise exception 'atomic_update_user_behavior: the caller is not a member of organization %', p_organization_id
        using errcode = '42501';
    end if;
  elsif not exists (select 1 from public.tenants t where t.id = p_organization_id) then
    raise exception 'atomic_update_user_behavior: organization % does not exist', p_organization_id
      using errcode = '23503';
  end if;

  v_action := jsonb_build_object('comment_id', v_comment_id, 'severity', v_severity, 'toxicity_score', v_score,
                                 'action_tags', v_tags, 'at', now());

  -- One statement: insert the first violation or add this one to the row, under its row lock.
  insert into public.user_behaviors as b (
    tenant_id, platform, platform_user_id, platform_username, total_violations, severity_counts,
    last_violation_at, last_toxicity_score, max_toxicity_score, recent_actions, is_blocked, blocked_reason, blocked_at
  )
  values (
    p_organization_id, p_platform, p_platform_user_id, p_platform_username, 1,
    jsonb_build_object('low', 0, 'medium', 0, 'high', 0, 'critical', 0) || jsonb_build_object(v_severity, 1),
    now(), v_score, v_score, jsonb_build_array(v_action),
    v_severity = 'critical',
    case when v_severity = 'critical' then 'critical violation' end,
    case when v_severity = 'critical' then now() end
  )
  on conflict (tenant_id, platform, platform_user_id) do update set
    platform_username = coalesce(excluded.platform_username, b.platform_username),
    total_violations = b.total_violations + 1,
    severity_counts = b.severity_counts || jsonb_build_object(v_severity, (b.severity_counts ->> v_severity)::int + 1),
    last_violation_at = excluded.last_violation_at,
    last_toxicity_score = coalesce(excluded.last_toxicity_score, b.last_toxicity_score),
    max_toxicity_score = greatest(b.max_toxicity_score, excluded.max_toxicity_score),
    recent_actions = case when jsonb_array_length(b.recent_actions) >= 50
                          then (b.recent_actions - 0) || excluded.recent_actions
                          else b.recent_actions || excluded.recent_actions end,
    is_blocked = b.is_blocked
      or v_severity = 'critical'
      or (v_severity = 'high' and (b.severity_counts ->> 'high')::int + 1 >= 3)
      or b.total_violations + 1 >= 10,
    blocked_reason = case
      when b.is_blocked then b.blocked_reason
      when v_severity = 'critical' then 'critical violation'
      when v_severity = 'high' and (b.severity_counts ->> 'high')::int + 1 >= 3 then 'three high-severity violations'
      when b.total_violations + 1 >= 10 then 'ten violations'
    end,
    blocked_at = case
      when b.is_blocked then b.blocked_at
      when v_severity = 'critical'
        or (v_severity = 'high' and (b.severity_counts ->> 'high')::int + 1 >= 3)
        or b.total_violations + 1 >= 10 then now()
    end,
    updated_at = now()
  returning b.* into v_row;

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
    'recent_action_count', jsonb_array_length(v_row.recent_actions),
    'action', v_action
  );
end
$$;
comment on function private.record_user_behavior_violation(uuid, text, text, text, jsonb) is
  'SECURITY DEFINER body of public.atomic_update_user_behavior: validates the violation, checks that an authenticated caller belongs to the organization, and applies it in one upsert.';

create or replace function public.atomic_update_user_behavior(
  p_organization_id uuid,
  p_platform text,
  p_platform_user_id text,
  p_platform_username text,
  p_violation_data jsonb
)
returns jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  select private.record_user_behavior_violation(p_organization_id, p_platform, p_platform_user_id, p_platform_username, p_violation_data)
$$;

drop domain if exists public.severity_counts;
drop type if exists public.violation_severity;
drop type if exists public.moderation_platform;
