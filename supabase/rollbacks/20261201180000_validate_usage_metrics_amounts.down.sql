-- Rollback of 20261201180000_validate_usage_metrics_amounts.sql: increment_usage_metrics and its
-- comment as 20261121150300 made them (NaN and any date accepted, 22003 on overflow).

create or replace function public.increment_usage_metrics(
  p_tenant_id uuid,
  p_user_id uuid,
  p_date date,
  p_input_tokens integer,
  p_output_tokens integer,
  p_cost numeric
)
returns public.usage_metrics
language plpgsql
volatile
set search_path = ''
as $$
declare
  result public.usage_metrics;
begin
  if p_tenant_id is null or p_user_id is null or p_date is null
     or p_input_tokens is null or p_output_tokens is null or p_cost is null then
    raise exception 'increment_usage_metrics: every argument is required'
      using errcode = '22004', hint = 'pass 0 for a count with nothing to add';
  end if;
  if p_input_tokens < 0 or p_output_tokens < 0 or p_cost < 0 then
    raise exception 'increment_usage_metrics: tokens and cost must not be negative (got input %, output %, cost %)',
      p_input_tokens, p_output_tokens, p_cost
      using errcode = '22023';
  end if;
  -- One lookup on the hot path; the second only to word the error.
  if not exists (select 1 from public.users u where u.id = p_user_id and u.tenant_id = p_tenant_id) then
    if not exists (select 1 from public.tenants t where t.id = p_tenant_id) then
      raise exception 'increment_usage_metrics: tenant % does not exist', p_tenant_id
        using errcode = '23503';
    end if;
    raise exception 'increment_usage_metrics: user % is not a member of tenant %', p_user_id, p_tenant_id
      using errcode = '23503';
  end if;

  insert into public.usage_metrics as m (tenant_id, user_id, date, input_tokens, output_tokens, cost, request_count)
  values (p_tenant_id, p_user_id, p_date, p_input_tokens, p_output_tokens, p_cost, 1)
  on conflict (tenant_id, user_id, date) do update
    set input_tokens = m.input_tokens + excluded.input_tokens,
        output_tokens = m.output_tokens + excluded.output_tokens,
        cost = m.cost + excluded.cost,
        request_count = m.request_count + 1,
        updated_at = now()
  returning m.* into result;
  return result;
end
$$;
comment on function public.increment_usage_metrics(uuid, uuid, date, integer, integer, numeric) is
  'Adds one LLM call''s tokens and cost (USD) to the (tenant, user, day) row in one atomic upsert and returns the row. Raises 22004 for a null argument, 22023 for negative values, 23503 for an unknown tenant or a user outside it. service_role only.';
