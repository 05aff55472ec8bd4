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
