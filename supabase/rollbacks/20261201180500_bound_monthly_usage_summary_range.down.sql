-- Rollback of 20261201180500_bound_monthly_usage_summary_range.sql: get_monthly_usage_summary as
-- 20261201150100 made it (the range passed on as given).

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
