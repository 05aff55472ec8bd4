-- Live where cheap (issue 19): get_message_feedback_summary answers from public.feedback at the
-- moment it is called, no longer from the materialized view refreshed every 15 minutes, so a
-- rating that is given, changed or withdrawn counts at once. It is an indexed aggregate: at most
-- 1000 message ids, looked up through feedback_message_user_key (message_id, user_id), restricted
-- to the caller's tenant (by the function and by feedback's RLS: the function is SECURITY INVOKER,
-- so the private SECURITY DEFINER reader behind it is dropped). Same arguments, result columns,
-- errors and grants. service_role, which has no tenant, gets no rows (before: 42501 from the
-- private reader, which was granted to authenticated only).
--
-- The materialized views stay for the aggregates that are expensive live: monthly usage, and the
-- per-message feedback summary as a cross-tenant snapshot for platform reporting (service_role;
-- refresh-views reports its row count). private.refresh_summaries() now records when each was
-- refreshed in private.summary_refreshes, and get_monthly_usage_summary, the RPC that still reads
-- one, returns that time as a new last column refreshed_at (same value on every row; null before
-- the first recorded refresh). The migration refreshes both once, so the time is known from now on.

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists private.summary_refreshes (
  summary text primary key,
  refreshed_at timestamptz not null,
  duration_ms numeric not null,
  row_count bigint not null,
  constraint summary_refreshes_duration_nonnegative check (duration_ms >= 0 and row_count >= 0)
);
comment on table private.summary_refreshes is 'When each summary materialized view was last refreshed (written by private.refresh_summaries()), for the RPCs that answer from one.';
comment on column private.summary_refreshes.summary is 'The materialized view in private: message_feedback_summary or monthly_usage_summary.';
comment on column private.summary_refreshes.refreshed_at is 'When its last refresh started: its rows include what was committed before then.';
comment on column private.summary_refreshes.duration_ms is 'How long that refresh took, ms.';
comment on column private.summary_refreshes.row_count is 'Rows after that refresh.';

comment on materialized view private.message_feedback_summary is
  'Feedback per message across tenants: thumbs up/down counts, average rating (-1..1), last feedback time, as of the last refresh (private.summary_refreshes). For platform reporting (service_role); no RPC reads it: get_message_feedback_summary computes live. Refreshed by private.refresh_summaries().';

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function public.get_message_feedback_summary(p_message_ids uuid[])
returns table (
  message_id uuid, up_count integer, down_count integer, feedback_count integer,
  average_rating numeric, last_feedback_at timestamptz
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_message_ids is null or cardinality(p_message_ids) = 0 or cardinality(p_message_ids) > 1000 then
    raise exception 'get_message_feedback_summary: pass between 1 and 1000 message ids'
      using errcode = '22023';
  end if;
  -- Live: an index scan of feedback_message_user_key for the ids, in the caller's tenant (and
  -- under feedback's RLS), so the counts include every rating committed before this call.
  return query
    select f.message_id,
           (count(*) filter (where f.rating = 1))::integer,
           (count(*) filter (where f.rating = -1))::integer,
           count(*)::integer,
           round(avg(f.rating), 4),
           max(f.updated_at)
    from public.feedback f
    where f.message_id = any (p_message_ids)
      and f.tenant_id = (select private.current_tenant_id())
    group by f.message_id
    order by f.message_id;
end
$$;
comment on function public.get_message_feedback_summary(uuid[]) is
  'Feedback summary (up/down counts, average, last feedback) of up to 1000 messages of the caller''s tenant, computed live from public.feedback: a rating given, changed or withdrawn counts at once. Messages of other tenants, or without feedback, return no row. 22023 for an empty or oversized list.';

drop function if exists private.message_feedback_summary_for_caller(uuid[]);

drop function if exists public.get_monthly_usage_summary(date, date);
drop function if exists private.monthly_usage_summary_for_caller(date, date);
create or replace function private.monthly_usage_summary_for_caller(p_from date, p_to date)
returns table (
  tenant_id uuid, user_id uuid, month date, input_tokens bigint, output_tokens bigint,
  total_tokens bigint, cost numeric, request_count bigint, active_days integer, refreshed_at timestamptz
)
language sql
stable
security definer
set search_path = ''
as $$
  select s.tenant_id, s.user_id, s.month, s.input_tokens, s.output_tokens, s.total_tokens,
         s.cost, s.request_count, s.active_days,
         (select r.refreshed_at from private.summary_refreshes r where r.summary = 'monthly_usage_summary')
  from private.monthly_usage_summary s
  where s.tenant_id = (select private.current_tenant_id())
    and (s.user_id = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
    and s.month between date_trunc('month', p_from)::date and p_to
  order by s.month, s.user_id
$$;
comment on function private.monthly_usage_summary_for_caller(date, date) is
  'Rows of private.monthly_usage_summary between two months for the caller: their own, or their tenant''s for owners and admins, each with the time of the last refresh. Behind public.get_monthly_usage_summary.';

create or replace function public.get_monthly_usage_summary(p_from date default null, p_to date default null)
returns table (
  tenant_id uuid, user_id uuid, month date, input_tokens bigint, output_tokens bigint,
  total_tokens bigint, cost numeric, request_count bigint, active_days integer, refreshed_at timestamptz
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_from date := coalesce(p_from, (date_trunc('month', current_date) - interval '11 months')::date);
  v_to date := coalesce(p_to, current_date);
begin
  if v_from > v_to then
    raise exception 'get_monthly_usage_summary: p_from (%) is after p_to (%)', v_from, v_to
      using errcode = '22023';
  end if;
  return query select * from private.monthly_usage_summary_for_caller(v_from, v_to);
end
$$;
comment on function public.get_monthly_usage_summary(date, date) is
  'Monthly usage (tokens, cost in USD, requests, active days) between two dates, default the last 12 months, as of the last refresh of the summary, whose time every row carries in refreshed_at (null before the first recorded refresh): the caller''s own rows, or the whole tenant''s for owners and admins. 22023 when p_from is after p_to.';

create or replace function private.refresh_summaries()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
set statement_timeout = '10min'
as $$
declare
  feedback_at timestamptz;
  feedback_ms numeric;
  feedback_rows bigint;
  usage_at timestamptz;
  usage_ms numeric;
  usage_rows bigint;
begin
  feedback_at := clock_timestamp();
  refresh materialized view concurrently private.message_feedback_summary;
  feedback_ms := round(extract(epoch from clock_timestamp() - feedback_at) * 1000, 1);
  usage_at := clock_timestamp();
  refresh materialized view concurrently private.monthly_usage_summary;
  usage_ms := round(extract(epoch from clock_timestamp() - usage_at) * 1000, 1);
  select count(*) into feedback_rows from private.message_feedback_summary;
  select count(*) into usage_rows from private.monthly_usage_summary;
  -- Committed with the refreshed rows, so readers see data and time change together.
  insert into private.summary_refreshes as r (summary, refreshed_at, duration_ms, row_count)
  values ('message_feedback_summary', feedback_at, feedback_ms, feedback_rows),
         ('monthly_usage_summary', usage_at, usage_ms, usage_rows)
  on conflict (summary) do update
    set refreshed_at = excluded.refreshed_at, duration_ms = excluded.duration_ms, row_count = excluded.row_count;
  return jsonb_build_object(
    'message_feedback_summary', jsonb_build_object('ms', feedback_ms, 'rows', feedback_rows, 'refreshed_at', feedback_at),
    'monthly_usage_summary', jsonb_build_object('ms', usage_ms, 'rows', usage_rows, 'refreshed_at', usage_at)
  );
end
$$;
comment on function private.refresh_summaries() is
  'Refreshes message_feedback_summary and monthly_usage_summary concurrently (readers are not blocked), records when in private.summary_refreshes, and returns each one''s duration in ms, row count and refreshed_at. service_role only (the scheduled refresh-views function).';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on function private.monthly_usage_summary_for_caller(date, date) from public, anon;
revoke all on function public.get_monthly_usage_summary(date, date) from public, anon;
grant execute on function private.monthly_usage_summary_for_caller(date, date) to authenticated;
grant execute on function public.get_monthly_usage_summary(date, date) to authenticated, service_role;

alter table private.summary_refreshes enable row level security;
revoke all on private.summary_refreshes from public, anon, authenticated;
grant select on private.summary_refreshes to service_role;

-- The summaries' refresh time is known from here on.
select private.refresh_summaries();
