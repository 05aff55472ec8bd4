-- The write path of atomic_update_user_behavior, made cheap enough for hot accounts (issue 10).
-- Profiling the RPC (perf on the backend) showed where each call went:
--   * recent_actions, a 50-entry jsonb array in the hot row, was read, rebuilt and written back
--     out of line on every call: about 8 KB of new TOAST per violation (the TOAST table grew
--     until vacuum) and the largest single cost. The recent actions now live in their own
--     table as a ring of 50 slots per account (slot = (sequence - 1) % 50): each violation
--     overwrites one small row, nothing grows, and the list stays bounded without deletes.
--   * CHECK constraints are parsed and planned again for every statement that writes the
--     table. The platform list and the severity_counts shape were the two largest; they become
--     an enum and a domain, whose checks PostgreSQL caches per session and runs only when the
--     column is assigned.
--   * The public wrapper was a SQL function with SET search_path, planned again on every call;
--     it becomes PL/pgSQL (its call is cached).
-- Behaviour is unchanged: same five arguments, same validation and errors, same result keys.

-- ============================================================================
-- TYPES
-- ============================================================================
do $$
begin
  create type public.moderation_platform as enum (
    'twitter', 'youtube', 'instagram', 'facebook', 'discord', 'twitch', 'reddit', 'tiktok', 'bluesky',
    'threads', 'mastodon', 'linkedin', 'telegram', 'whatsapp', 'slack');
exception when duplicate_object then null;
end
$$;
comment on type public.moderation_platform is
  'External platform whose accounts the moderation counters track. Add one with alter type ... add value.';

do $$
begin
  create type public.violation_severity as enum ('low', 'medium', 'high', 'critical');
exception when duplicate_object then null;
end
$$;
comment on type public.violation_severity is 'Severity of a moderation violation, lowest first.';

do $$
begin
  create domain public.severity_counts as jsonb
    constraint severity_counts_shape check (
      jsonb_typeof(value) = 'object'
      and value ?& array['low', 'medium', 'high', 'critical']
      and jsonb_typeof(value -> 'low') = 'number' and (value ->> 'low')::int >= 0
      and jsonb_typeof(value -> 'medium') = 'number' and (value ->> 'medium')::int >= 0
      and jsonb_typeof(value -> 'high') = 'number' and (value ->> 'high')::int >= 0
      and jsonb_typeof(value -> 'critical') = 'number' and (value ->> 'critical')::int >= 0);
exception when duplicate_object then null;
end
$$;
comment on domain public.severity_counts is
  'Violations per severity: a JSON object with the numbers low, medium, high and critical, all present and non-negative.';

-- ============================================================================
-- TABLE user_behaviors: typed platform and severity counts
-- ============================================================================
alter table public.user_behaviors
  drop constraint if exists user_behaviors_platform_check,
  drop constraint if exists user_behaviors_severity_counts_shape;
alter table public.user_behaviors alter column severity_counts drop default;
alter table public.user_behaviors
  alter column platform type public.moderation_platform using platform::public.moderation_platform,
  alter column severity_counts type public.severity_counts using severity_counts::public.severity_counts,
  alter column severity_counts set default '{"low": 0, "medium": 0, "high": 0, "critical": 0}';
alter table public.user_behaviors add constraint user_behaviors_id_tenant_key unique (id, tenant_id);
comment on column public.user_behaviors.platform is 'External platform (public.moderation_platform).';

-- ============================================================================
-- TABLE user_behavior_actions: the last 50 violations of each account
-- ============================================================================
create table if not exists public.user_behavior_actions (
  -- identity: one of the account's 50 slots
  behavior_id uuid not null,
  slot smallint not null,
  tenant_id uuid not null,
  -- payload
  sequence integer not null,
  comment_id text,
  severity public.violation_severity not null,
  toxicity_score numeric(5, 4),
  action_tags text[] not null default '{}',
  at timestamptz not null,
  constraint user_behavior_actions_pkey primary key (behavior_id, slot),
  constraint user_behavior_actions_behavior_fkey foreign key (behavior_id, tenant_id)
    references public.user_behaviors (id, tenant_id) on delete cascade,
  -- one check (each is parsed again for every statement that writes the table)
  constraint user_behavior_actions_valid check (
    sequence > 0 and slot = (sequence - 1) % 50
    and (toxicity_score is null or toxicity_score between 0 and 1)
    and (comment_id is null or char_length(comment_id) between 1 and 200)
    and cardinality(action_tags) <= 20)
);
-- Slots are overwritten in place: leave room for HOT updates (no indexed column changes).
alter table public.user_behavior_actions set (fillfactor = 70);
comment on table public.user_behavior_actions is
  'The last 50 violations of each moderated account, one row per slot: violation number n lives in slot (n - 1) % 50 and overwrites the one 50 before it. Order by sequence. Written only by atomic_update_user_behavior.';
comment on column public.user_behavior_actions.behavior_id is 'The account''s record (public.user_behaviors).';
comment on column public.user_behavior_actions.slot is 'Ring position 0-49: (sequence - 1) % 50.';
comment on column public.user_behavior_actions.tenant_id is 'Tenant of the account (same as its record).';
comment on column public.user_behavior_actions.sequence is 'Which violation of the account this is (1 = the first); the newest has sequence = total_violations.';
comment on column public.user_behavior_actions.comment_id is 'The offending comment''s id on the platform, if given (1-200 characters).';
comment on column public.user_behavior_actions.severity is 'Severity of the violation.';
comment on column public.user_behavior_actions.toxicity_score is 'Toxicity score (0-1) of the violation, if given.';
comment on column public.user_behavior_actions.action_tags is 'Actions taken (up to 20 tags, for example warning or hide).';
comment on column public.user_behavior_actions.at is 'When the violation was recorded.';

-- The recent actions recorded so far, oldest first in the array: the newest 50 keep their numbers.
insert into public.user_behavior_actions (behavior_id, slot, tenant_id, sequence, comment_id, severity, toxicity_score, action_tags, at)
select b.id, ((s.sequence - 1) % 50)::smallint, b.tenant_id, s.sequence,
       a.value ->> 'comment_id', (a.value ->> 'severity')::public.violation_severity,
       (a.value ->> 'toxicity_score')::numeric,
       coalesce(array(select jsonb_array_elements_text(a.value -> 'action_tags')), '{}'),
       coalesce((a.value ->> 'at')::timestamptz, b.last_violation_at, b.updated_at)
from public.user_behaviors b
cross join lateral jsonb_array_elements(b.recent_actions) with ordinality a (value, ord)
cross join lateral (
  select greatest(b.total_violations, jsonb_array_length(b.recent_actions)) - jsonb_array_length(b.recent_actions) + a.ord::int as sequence
) s
where jsonb_array_length(b.recent_actions) - a.ord < 50
on conflict (behavior_id, slot) do nothing;

alter table public.user_behaviors
  drop constraint if exists user_behaviors_recent_actions_bounded,
  drop column if exists recent_actions;

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
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
begin
  -- Arguments. Every check is a plain expression (no subquery) on the path of a valid call.
  if p_organization_id is null or p_platform is null or p_platform_user_id is null or p_violation_data is null then
    raise exception 'atomic_update_user_behavior: organization id, platform, platform user id and violation data are required'
      using errcode = '22004';
  end if;
  if not pg_input_is_valid(p_platform, 'public.moderation_platform') then
    raise exception 'atomic_update_user_behavior: unknown platform "%"', p_platform
      using errcode = '22023', hint = 'one of ' || array_to_string(enum_range(null::public.moderation_platform), ', ');
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
  if p_violation_data - '{severity,toxicity_score,action_tags,comment_id}'::text[] <> '{}'::jsonb then
    raise exception 'atomic_update_user_behavior: unknown key in violation data: %',
      (select string_agg(k, ', ') from jsonb_object_keys(p_violation_data - '{severity,toxicity_score,action_tags,comment_id}'::text[]) k)
      using errcode = '22023', hint = 'allowed keys: severity, toxicity_score, action_tags, comment_id';
  end if;
  v_severity := p_violation_data ->> 'severity';
  if jsonb_typeof(p_violation_data -> 'severity') is distinct from 'string'
     or not pg_input_is_valid(v_severity, 'public.violation_severity') then
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
  -- then write the violation into the account's next ring slot (serialised by that lock).
  with account as (
    insert into public.user_behaviors as b (
      tenant_id, platform, platform_user_id, platform_username, total_violations, severity_counts,
      last_violation_at, last_toxicity_score, max_toxicity_score, is_blocked, blocked_reason, blocked_at
    )
    select
      p_organization_id, p_platform::public.moderation_platform, p_platform_user_id, p_platform_username, 1,
      jsonb_build_object('low', 0, 'medium', 0, 'high', 0, 'critical', 0) || jsonb_build_object(v_severity, 1),
      v_at, v_score, v_score,
      v_severity = 'critical',
      case when v_severity = 'critical' then 'critical violation' end,
      case when v_severity = 'critical' then v_at end
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
          or b.total_violations + 1 >= 10 then v_at
      end,
      updated_at = v_at
    returning b.*
  ), action as (
    insert into public.user_behavior_actions as a (
      behavior_id, slot, tenant_id, sequence, comment_id, severity, toxicity_score, action_tags, at
    )
    select account.id, (account.total_violations - 1) % 50, account.tenant_id, account.total_violations,
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
    'recent_action_count', least(v_row.total_violations, 50),
    'action', jsonb_build_object('comment_id', v_comment_id, 'severity', v_severity, 'toxicity_score', v_score,
                                 'action_tags', v_tags, 'at', v_at)
  );
end
$$;
comment on function private.record_user_behavior_violation(uuid, text, text, text, jsonb) is
  'SECURITY DEFINER body of public.atomic_update_user_behavior: validates the violation, checks that an authenticated caller belongs to the organization, and applies it in one statement (the record''s upsert and the next recent-action slot).';

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

-- ============================================================================
-- RLS
-- ============================================================================
alter table public.user_behavior_actions enable row level security;

create policy user_behavior_actions_select on public.user_behavior_actions
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()));
comment on policy user_behavior_actions_select on public.user_behavior_actions is
  'Members read their tenant''s recent moderation actions. Nobody but service_role writes directly.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.user_behavior_actions from anon, authenticated;
grant select on public.user_behavior_actions to authenticated;
grant select, insert, update, delete on public.user_behavior_actions to service_role;
