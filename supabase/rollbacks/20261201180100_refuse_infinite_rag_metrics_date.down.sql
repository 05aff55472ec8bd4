-- Rollback of 20261201180100_refuse_infinite_rag_metrics_date.sql: calculate_rag_metrics and its
-- comment as 20261121170400 made them (-infinity accepted).

create or replace function public.calculate_rag_metrics(p_date date, p_tenant_id uuid default null)
returns public.rag_metrics_history
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_from timestamptz;
  v_to timestamptz;
  v_targets public.rag_slo_targets;
  m record;
  v_slo jsonb;
  v_row public.rag_metrics_history;
begin
  if p_date is null then
    raise exception 'calculate_rag_metrics: p_date is required' using errcode = '22004';
  end if;
  if p_date > (now() at time zone 'UTC')::date then
    raise exception 'calculate_rag_metrics: % is in the future', p_date using errcode = '22023';
  end if;
  if p_tenant_id is not null and not exists (select 1 from public.tenants t where t.id = p_tenant_id) then
    raise exception 'calculate_rag_metrics: tenant % does not exist', p_tenant_id using errcode = '23503';
  end if;

  v_from := p_date::timestamp at time zone 'UTC';
  v_to := (p_date + 1)::timestamp at time zone 'UTC';

  select * into v_targets from public.rag_slo_targets s
  where s.tenant_id = p_tenant_id or s.tenant_id is null
  order by s.tenant_id nulls last
  limit 1;
  if not found then
    raise exception 'calculate_rag_metrics: no SLO targets (the platform default row is missing)' using errcode = 'P0002';
  end if;

  select count(*)::int as total_queries,
         count(distinct d.user_id)::int as unique_users,
         coalesce(sum(jsonb_array_length(d.citations)), 0)::int as citation_count,
         round(avg(coalesce(d.citation_rate, case when jsonb_array_length(d.citations) > 0 then 1 else 0 end)), 4) as citation_rate,
         round(percentile_cont(0.5) within group (order by d.latency_ms)::numeric, 2) as p50,
         round(percentile_cont(0.95) within group (order by d.latency_ms)::numeric, 2) as p95,
         round(percentile_cont(0.99) within group (order by d.latency_ms)::numeric, 2) as p99,
         round(avg(d.token_cost_jpy), 4) as cost_per_answer
    into m
    from public.ai_dialogue_log d
   where d.created_at >= v_from and d.created_at < v_to
     and (p_tenant_id is null or d.tenant_id = p_tenant_id);

  v_slo := jsonb_build_object(
    'citationRate', jsonb_build_object('target', v_targets.citation_rate_min, 'value', m.citation_rate,
                                       'met', m.citation_rate >= v_targets.citation_rate_min),
    'latencyP50', jsonb_build_object('target', v_targets.latency_p50_max_ms, 'value', m.p50, 'met', m.p50 <= v_targets.latency_p50_max_ms),
    'latencyP95', jsonb_build_object('target', v_targets.latency_p95_max_ms, 'value', m.p95, 'met', m.p95 <= v_targets.latency_p95_max_ms),
    'costPerAnswer', jsonb_build_object('target', v_targets.cost_per_answer_max_jpy, 'value', m.cost_per_answer,
                                        'met', m.cost_per_answer <= v_targets.cost_per_answer_max_jpy),
    'citationRateMet', m.citation_rate >= v_targets.citation_rate_min,
    'latencyMet', m.p50 <= v_targets.latency_p50_max_ms and m.p95 <= v_targets.latency_p95_max_ms,
    'costMet', m.cost_per_answer <= v_targets.cost_per_answer_max_jpy,
    'overallMet', m.citation_rate >= v_targets.citation_rate_min
                  and m.p50 <= v_targets.latency_p50_max_ms and m.p95 <= v_targets.latency_p95_max_ms
                  and m.cost_per_answer <= v_targets.cost_per_answer_max_jpy
  );

  insert into public.rag_metrics_history as h (tenant_id, date, total_queries, unique_users, citation_count, citation_rate,
                                               latency_p50_ms, latency_p95_ms, latency_p99_ms, cost_per_answer_jpy, slo_compliance)
  values (p_tenant_id, p_date, m.total_queries, m.unique_users, m.citation_count, m.citation_rate, m.p50, m.p95, m.p99,
          m.cost_per_answer, v_slo)
  on conflict (date, tenant_id) do update set
    total_queries = excluded.total_queries,
    unique_users = excluded.unique_users,
    citation_count = excluded.citation_count,
    citation_rate = excluded.citation_rate,
    latency_p50_ms = excluded.latency_p50_ms,
    latency_p95_ms = excluded.latency_p95_ms,
    latency_p99_ms = excluded.latency_p99_ms,
    cost_per_answer_jpy = excluded.cost_per_answer_jpy,
    slo_compliance = excluded.slo_compliance,
    updated_at = now()
  returning h.* into v_row;
  return v_row;
end
$$;
comment on function public.calculate_rag_metrics(date, uuid) is
  'Computes one UTC day''s RAG metrics from ai_dialogue_log (percentile_cont latencies, citation rate, cost per answer, SLO compliance against the tenant''s or the platform''s targets) for a tenant, or platform-wide when p_tenant_id is null; writes or replaces the rag_metrics_history row and returns it. 22004 without a date, 22023 for a future date, 23503 for an unknown tenant. service_role only.';
