-- Rollback of 20261201200000_lock_tenants_in_daily_rag_metrics.sql: the loop without the tenant
-- locks, as 20261201110000 defined it.

create or replace function private.calculate_daily_rag_metrics(p_date date, p_tenant_id uuid default null)
returns table (label text, metrics public.rag_metrics_history)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  t record;
begin
  -- Arguments first, so a refused call writes nothing.
  if p_date is null then
    raise exception 'calculate_daily_rag_metrics: p_date is required' using errcode = '22004';
  end if;
  if p_date > (now() at time zone 'UTC')::date then
    raise exception 'calculate_daily_rag_metrics: % is in the future', p_date using errcode = '22023';
  end if;
  if p_tenant_id is not null and not exists (select 1 from public.tenants x where x.id = p_tenant_id) then
    raise exception 'calculate_daily_rag_metrics: tenant % does not exist', p_tenant_id using errcode = '23503';
  end if;

  for t in
    select x.id, x.slug from public.tenants x
    where p_tenant_id is null or x.id = p_tenant_id
    order by x.slug
  loop
    label := t.slug;
    metrics := public.calculate_rag_metrics(p_date, t.id);
    return next;
  end loop;
  if p_tenant_id is null then
    label := 'platform';
    metrics := public.calculate_rag_metrics(p_date, null);
    return next;
  end if;
end
$$;
