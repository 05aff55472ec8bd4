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

  -- Each tenant is locked against deletion (FOR KEY SHARE) as the loop reads it, until the job's
  -- transaction ends: a tenant deleted meanwhile is either gone before the loop reaches it (and
  -- skipped) or deleted after the job (its delete waits), never between the read and the insert
  -- of its metrics row (which failed the whole job with 23503).
  for t in
    select x.id, x.slug from public.tenants x
    where p_tenant_id is null or x.id = p_tenant_id
    order by x.slug
    for key share
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
