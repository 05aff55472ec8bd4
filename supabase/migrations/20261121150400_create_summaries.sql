-- Summaries: per-message feedback counts and per-month usage, as materialized views in the
-- private schema (never selectable by anon or authenticated: a materialized view has no RLS).
-- Clients reach them only through RPCs that filter to the caller's tenant:
--   get_message_feedback_summary(message_ids)   members, for messages of their tenant
--   get_monthly_usage_summary(from, to)         users their own months, owners/admins the tenant's
-- Each public RPC is SECURITY INVOKER and calls a SECURITY DEFINER function in private that
-- reads the materialized view and applies the tenant filter itself.
-- private.refresh_summaries() refreshes both concurrently (service_role: the scheduled job).

-- ============================================================================
-- MATERIALIZED VIEWS
-- ============================================================================
create materialized view if not exists private.message_feedback_summary as
select
  f.message_id,
  f.tenant_id,
  count(*) filter (where f.rating = 1)::integer as up_count,
  count(*) filter (where f.rating = -1)::integer as down_count,
  count(*)::integer as feedback_count,
  round(avg(f.rating), 4) as average_rating,
  max(f.updated_at) as last_feedback_at
from public.feedback f
group by f.message_id, f.tenant_id
with data;
comment on materialized view private.message_feedback_summary is
  'Feedback per message: thumbs up/down counts, average rating (-1..1), last feedback time. Refreshed by private.refresh_summaries().';
comment on column private.message_feedback_summary.message_id is 'The rated message.';
comment on column private.message_feedback_summary.tenant_id is 'Tenant of the message.';
comment on column private.message_feedback_summary.up_count is 'Number of +1 ratings.';
comment on column private.message_feedback_summary.down_count is 'Number of -1 ratings.';
comment on column private.message_feedback_summary.feedback_count is 'Number of ratings.';
comment on column private.message_feedback_summary.average_rating is 'Mean rating, from -1 (all down) to 1 (all up).';
comment on column private.message_feedback_summary.last_feedback_at is 'When the newest rating was given or changed.';
create unique index if not exists message_feedback_summary_message_idx
  on private.message_feedback_summary (message_id);
create index if not exists message_feedback_summary_tenant_idx
  on private.message_feedback_summary (tenant_id);

create materialized view if not exists private.monthly_usage_summary as
select
  m.tenant_id,
  m.user_id,
  date_trunc('month', m.date)::date as month,
  sum(m.input_tokens)::bigint as input_tokens,
  sum(m.output_tokens)::bigint as output_tokens,
  sum(m.total_tokens)::bigint as total_tokens,
  sum(m.cost)::numeric(16, 6) as cost,
  sum(m.request_count)::bigint as request_count,
  count(*)::integer as active_days
from public.usage_metrics m
group by m.tenant_id, m.user_id, date_trunc('month', m.date)::date
with data;
comment on materialized view private.monthly_usage_summary is
  'Usage per tenant, user and calendar month (UTC): tokens, cost in USD, requests, active days. Refreshed by private.refresh_summaries().';
comment on column private.monthly_usage_summary.tenant_id is 'Tenant billed.';
comment on column private.monthly_usage_summary.user_id is 'User who caused the usage.';
comment on column private.monthly_usage_summary.month is 'First day of the month.';
comment on column private.monthly_usage_summary.input_tokens is 'Prompt tokens in the month.';
comment on column private.monthly_usage_summary.output_tokens is 'Completion tokens in the month.';
comment on column private.monthly_usage_summary.total_tokens is 'All tokens in the month.';
comment on column private.monthly_usage_summary.cost is 'Cost in US dollars.';
comment on column private.monthly_usage_summary.request_count is 'LLM calls in the month.';
comment on column private.monthly_usage_summary.active_days is 'Days with any usage.';
create unique index if not exists monthly_usage_summary_key_idx
  on private.monthly_usage_summary (tenant_id, user_id, month);

revoke all on private.message_feedback_summary, private.monthly_usage_summary from public, anon, authenticated;
-- Platform reporting reads across tenants; service_role bypasses RLS everywhere anyway.
grant select on private.message_feedback_summary, private.monthly_usage_summary to service_role;

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
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
revoke all on function public.get_message_feedback_summary(uuid[]) from public, anon;
revoke all on function public.get_monthly_usage_summary(date, date) from public, anon;
revoke all on function private.refresh_summaries() from public, anon, authenticated;
grant execute on function private.message_feedback_summary_for_caller(uuid[]) to authenticated;
grant execute on function private.monthly_usage_summary_for_caller(date, date) to authenticated;
grant execute on function public.get_message_feedback_summary(uuid[]) to authenticated, service_role;
grant execute on function public.get_monthly_usage_summary(date, date) to authenticated, service_role;
grant execute on function private.refresh_summaries() to service_role;
