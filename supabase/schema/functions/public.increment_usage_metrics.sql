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
  -- What usage_metrics.cost (numeric(14,6)) holds: below 10^8 once rounded to 6 decimals. NaN and
  -- Infinity compare above every number, so this refuses them too.
  if round(p_cost, 6) >= 100000000 then
    raise exception 'increment_usage_metrics: cost must be a finite number below 100000000 (got %)', left(p_cost::text, 40)
      using errcode = '22023';
  end if;
  -- Days the monthly summary can place in a month (date_trunc works within the timestamp range,
  -- so a day in 4714 BC or after 294276 broke its refresh for every tenant): the years 1 to 9999.
  -- This also refuses infinity and -infinity.
  if p_date not between date '0001-01-01' and date '9999-12-31' then
    raise exception 'increment_usage_metrics: the date must be a day of the years 1 to 9999, not %', p_date
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

  -- The day's row is added to under its row lock, and only while its cost stays within the column.
  insert into public.usage_metrics as m (tenant_id, user_id, date, input_tokens, output_tokens, cost, request_count)
  values (p_tenant_id, p_user_id, p_date, p_input_tokens, p_output_tokens, p_cost, 1)
  on conflict (tenant_id, user_id, date) do update
    set input_tokens = m.input_tokens + excluded.input_tokens,
        output_tokens = m.output_tokens + excluded.output_tokens,
        cost = m.cost + excluded.cost,
        request_count = m.request_count + 1,
        updated_at = now()
    where m.cost + excluded.cost < 100000000
  returning m.* into result;
  if not found then
    raise exception 'increment_usage_metrics: the cost of % for user % would reach 100000000, more than usage_metrics holds', p_date, p_user_id
      using errcode = '22023';
  end if;
  return result;
end
$$;
