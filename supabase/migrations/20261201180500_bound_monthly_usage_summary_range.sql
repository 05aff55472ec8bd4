-- get_monthly_usage_summary answers a range that reaches far dates instead of failing with 22008
-- "timestamp out of range" (found by tests/fuzz/rpc.test.ts): private.monthly_usage_summary_for_caller
-- starts the range at date_trunc('month', p_from), which leaves the timestamp range for a p_from in
-- November 4714 BC or after 294276, an error the function does not document. Usage days are years
-- 1 to 9999 (increment_usage_metrics refuses others since 20261201180000), so the range is cut to
-- them before the lookup, and a range wholly outside them returns no rows. A reversed range is
-- still 22023; ranges within those years (and -infinity/infinity, which meant "all" and still do)
-- give the same rows as before. Grants and comments are unchanged. The current text of the
-- function is supabase/schema/functions/public.get_monthly_usage_summary.sql.

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
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
  -- Usage is recorded for days of the years 1 to 9999 (increment_usage_metrics), and the summary's
  -- month arithmetic (date_trunc) works only within the timestamp range: a range reaching past
  -- those years is cut to them, and one wholly outside them has no rows.
  if v_from > date '9999-12-31' or v_to < date '0001-01-01' then
    return;
  end if;
  return query select * from private.monthly_usage_summary_for_caller(greatest(v_from, date '0001-01-01'), least(v_to, date '9999-12-31'));
end
$$;
