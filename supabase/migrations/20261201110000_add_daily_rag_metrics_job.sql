-- The daily RAG metrics job in one place: private.calculate_daily_rag_metrics runs
-- public.calculate_rag_metrics for every tenant (by slug) and then the platform-wide row, for one
-- UTC day, and returns the rows with a label (the tenant's slug, or 'platform'). The refresh-views
-- edge function and scripts/ops/jobs/calculate-rag-metrics.ts both call it instead of each looping
-- over public.tenants. Given a tenant, only that tenant's row (the script's --tenant).
-- Who may run it: service_role (and the owner); nobody else.

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
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
comment on function private.calculate_daily_rag_metrics(date, uuid) is
  'The daily RAG metrics job: public.calculate_rag_metrics for one UTC day for every tenant (ordered by slug) and then the platform-wide row, or only the given tenant''s; returns each written rag_metrics_history row with its label (the tenant''s slug, or ''platform''). 22004 without a date, 22023 for a future date, 23503 for an unknown tenant (nothing written). service_role only.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on function private.calculate_daily_rag_metrics(date, uuid) from public, anon, authenticated;
grant execute on function private.calculate_daily_rag_metrics(date, uuid) to service_role;
