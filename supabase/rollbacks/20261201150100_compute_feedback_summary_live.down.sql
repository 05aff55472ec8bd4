-- Rollback of 20261201150100_compute_feedback_summary_live.sql: get_message_feedback_summary answers
-- from the materialized view again through private.message_feedback_summary_for_caller,
-- get_monthly_usage_summary has no refreshed_at, refresh_summaries records nothing, and
-- private.summary_refreshes is dropped: everything as 20261121150400 created it.
drop function if exists public.get_monthly_usage_summary(date, date);
drop function if exists private.monthly_usage_summary_for_caller(date, date);

create or replace function private.message_feedback_summary_for_caller(p_message_ids uuid[])
returns table (
  message_id uuid, up_count integer, down_count integer, feedback_count integer,
  average_rating numeric, last_feedback_at timestamptz
)
language sql
stable
security definer
set search_path = ''
as $$
  select s.message_id, s.up_count, s.down_count, s.feedback_count, s.average_rating, s.last_feedback_at
  from private.message_feedback_summary s
  where s.message_id = any (p_message_ids)
    and s.tenant_id = (select private.current_tenant_id())
  order by s.message_id
$$;
comment on function private.message_feedback_summary_for_caller(uuid[]) is
  'Rows of private.message_feedback_summary for the given messages, restricted to the caller''s tenant. Behind public.get_message_feedback_summary.';

create or replace function private.monthly_usage_summary_for_caller(p_from date, p_to date)
returns table (
  tenant_id uuid, user_id uuid, month date, input_tokens bigint, output_tokens bigint,
  total_tokens bigint, cost numeric, request_count bigint, active_days integer
)
language sql
stable
security definer
set search_path = ''
as $$
  select s.tenant_id, s.user_id, s.month, s.input_tokens, s.output_tokens, s.total_tokens,
         s.cost, s.request_count, s.active_days
  from private.monthly_usage_summary s
  where s.tenant_id = (select private.current_tenant_id())
    and (s.user_id = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
    and s.month between date_trunc('month', p_from)::date and p_to
  order by s.month, s.user_id
$$;
comment on function private.monthly_usage_summary_for_caller(date, date) is
  'Rows of private.monthly_usage_summary between two months for the caller: their own, or their tenant''s for owners and admins. Behind public.get_monthly_usage_summary.';

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
  return query select * from private.message_feedback_summary_for_caller(p_message_ids);
end
$$;
comment on function public.get_message_feedback_summary(uuid[]) is
  'Feedback summary (up/down counts, average, last feedback) of up to 1000 messages of the caller''s tenant, as of the last refresh. Messages of other tenants, or without feedback, return no row. 22023 for an empty or oversized list.';

create or replace function public.get_monthly_usage_summary(p_from date default null, p_to date default null)
returns table (
  tenant_id uuid, user_id uuid, month date, input_tokens bigint, output_tokens bigint,
  total_tokens bigint, cost numeric, request_count bigint, active_days integer
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
  'Monthly usage (tokens, cost in USD, requests, active days) between two dates, default the last 12 months, as of the last refresh: the caller''s own rows, or the whole tenant''s for owners and admins. 22023 when p_from is after p_to.';

create or replace function private.refresh_summaries()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
set statement_timeout = '10min'
as $$
declare
  t0 timestamptz;
  feedback_ms numeric;
  usage_ms numeric;
begin
  t0 := clock_timestamp();
  refresh materialized view concurrently private.message_feedback_summary;
  feedback_ms := round(extract(epoch from clock_timestamp() - t0) * 1000, 1);
  t0 := clock_timestamp();
  refresh materialized view concurrently private.monthly_usage_summary;
  usage_ms := round(extract(epoch from clock_timestamp() - t0) * 1000, 1);
  return jsonb_build_object(
    'message_feedback_summary', jsonb_build_object('ms', feedback_ms, 'rows', (select count(*) from private.message_feedback_summary)),
    'monthly_usage_summary', jsonb_build_object('ms', usage_ms, 'rows', (select count(*) from private.monthly_usage_summary))
  );
end
$$;
comment on function private.refresh_summaries() is
  'Refreshes message_feedback_summary and monthly_usage_summary concurrently (readers are not blocked) and returns each one''s duration in ms and row count. service_role only (the scheduled refresh-views function).';

revoke all on function private.message_feedback_summary_for_caller(uuid[]) from public, anon;
revoke all on function private.monthly_usage_summary_for_caller(date, date) from public, anon;
revoke all on function public.get_monthly_usage_summary(date, date) from public, anon;
grant execute on function private.message_feedback_summary_for_caller(uuid[]) to authenticated;
grant execute on function private.monthly_usage_summary_for_caller(date, date) to authenticated;
grant execute on function public.get_monthly_usage_summary(date, date) to authenticated, service_role;

comment on materialized view private.message_feedback_summary is
  'Feedback per message: thumbs up/down counts, average rating (-1..1), last feedback time. Refreshed by private.refresh_summaries().';

drop table if exists private.summary_refreshes;
