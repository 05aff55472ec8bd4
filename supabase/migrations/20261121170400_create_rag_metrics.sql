-- Daily RAG metrics with SLO compliance: SLO targets (a platform default, per-tenant overrides),
-- one history row per tenant per day plus a platform-wide row (tenant_id null), and
-- calculate_rag_metrics, which computes a day from ai_dialogue_log and writes it idempotently.
--
-- Days are UTC calendar days. Costs are in Japanese yen (as ai_dialogue_log.token_cost_jpy).
-- Who may do what: members read their tenant's metrics and SLO targets and the platform rows;
-- only service_role writes (the daily job) and runs calculate_rag_metrics.

-- ============================================================================
-- TABLES
-- ============================================================================
create table if not exists public.rag_slo_targets (
  -- identity
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid references public.tenants (id) on delete cascade,
  -- payload
  citation_rate_min numeric(5, 4) not null,
  latency_p50_max_ms integer not null,
  latency_p95_max_ms integer not null,
  cost_per_answer_max_jpy numeric(12, 4) not null,
  -- timestamps
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint rag_slo_targets_tenant_key unique nulls not distinct (tenant_id),
  constraint rag_slo_targets_citation_rate_range check (citation_rate_min between 0 and 1),
  constraint rag_slo_targets_latency_positive check (latency_p50_max_ms > 0 and latency_p95_max_ms >= latency_p50_max_ms),
  constraint rag_slo_targets_cost_nonnegative check (cost_per_answer_max_jpy >= 0)
);
comment on table public.rag_slo_targets is 'RAG service-level objectives: the platform default (tenant_id null) and per-tenant overrides.';
comment on column public.rag_slo_targets.id is 'Primary key.';
comment on column public.rag_slo_targets.tenant_id is 'Tenant the targets apply to, or null for the platform default.';
comment on column public.rag_slo_targets.citation_rate_min is 'Lowest acceptable daily citation rate (0-1).';
comment on column public.rag_slo_targets.latency_p50_max_ms is 'Highest acceptable daily median latency, ms.';
comment on column public.rag_slo_targets.latency_p95_max_ms is 'Highest acceptable daily 95th-percentile latency, ms.';
comment on column public.rag_slo_targets.cost_per_answer_max_jpy is 'Highest acceptable average cost per answer, JPY.';
comment on column public.rag_slo_targets.created_at is 'When the targets were set.';
comment on column public.rag_slo_targets.updated_at is 'When they last changed (kept by trigger).';

insert into public.rag_slo_targets (tenant_id, citation_rate_min, latency_p50_max_ms, latency_p95_max_ms, cost_per_answer_max_jpy)
values (null, 0.80, 2000, 5000, 5.0)
on conflict (tenant_id) do nothing;

create table if not exists public.rag_metrics_history (
  -- identity
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid references public.tenants (id) on delete cascade,
  date date not null,
  -- payload
  total_queries integer not null default 0,
  unique_users integer not null default 0,
  citation_count integer not null default 0,
  citation_rate numeric(5, 4),
  latency_p50_ms numeric(12, 2),
  latency_p95_ms numeric(12, 2),
  latency_p99_ms numeric(12, 2),
  cost_per_answer_jpy numeric(12, 4),
  slo_compliance jsonb not null default '{}'::jsonb,
  -- timestamps
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint rag_metrics_history_counts_nonnegative check (total_queries >= 0 and unique_users >= 0 and citation_count >= 0),
  constraint rag_metrics_history_citation_rate_range check (citation_rate is null or citation_rate between 0 and 1),
  constraint rag_metrics_history_slo_object check (jsonb_typeof(slo_compliance) = 'object')
);
comment on table public.rag_metrics_history is 'RAG quality metrics of one UTC day, per tenant and platform-wide (tenant_id null), with SLO compliance. Written by calculate_rag_metrics.';
comment on column public.rag_metrics_history.id is 'Primary key.';
comment on column public.rag_metrics_history.tenant_id is 'Tenant, or null for the platform-wide row.';
comment on column public.rag_metrics_history.date is 'UTC calendar day.';
comment on column public.rag_metrics_history.total_queries is 'Answers logged that day.';
comment on column public.rag_metrics_history.unique_users is 'Distinct users who asked that day.';
comment on column public.rag_metrics_history.citation_count is 'Citations attached to the day''s answers.';
comment on column public.rag_metrics_history.citation_rate is 'Mean citation rate of the day''s answers (an answer without a measured rate counts 1 if it has a citation, else 0); null without answers.';
comment on column public.rag_metrics_history.latency_p50_ms is 'Median answer latency (percentile_cont), ms.';
comment on column public.rag_metrics_history.latency_p95_ms is '95th-percentile answer latency, ms.';
comment on column public.rag_metrics_history.latency_p99_ms is '99th-percentile answer latency, ms.';
comment on column public.rag_metrics_history.cost_per_answer_jpy is 'Mean cost per answer, JPY.';
comment on column public.rag_metrics_history.slo_compliance is 'Per target {target, value, met} under citationRate, latencyP50, latencyP95, costPerAnswer, plus citationRateMet, latencyMet, costMet and overallMet (null without answers).';
comment on column public.rag_metrics_history.created_at is 'When the day was first computed.';
comment on column public.rag_metrics_history.updated_at is 'When it was last recomputed.';

-- ============================================================================
-- INDEXES
-- ============================================================================
create unique index if not exists idx_rag_metrics_date_unique on public.rag_metrics_history (date, tenant_id) nulls not distinct;
create index if not exists rag_metrics_history_tenant_date_idx on public.rag_metrics_history (tenant_id, date desc);
create index if not exists rag_metrics_history_slo_gin_idx on public.rag_metrics_history using gin (slo_compliance);

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
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
revoke all on function public.calculate_rag_metrics(date, uuid) from public, anon, authenticated;
grant execute on function public.calculate_rag_metrics(date, uuid) to service_role;

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger rag_slo_targets_set_updated_at
  before update on public.rag_slo_targets
  for each row execute function private.set_updated_at();
create or replace trigger rag_metrics_history_set_updated_at
  before update on public.rag_metrics_history
  for each row execute function private.set_updated_at();

-- ============================================================================
-- RLS (drop-then-create keeps the migration re-runnable)
-- ============================================================================
alter table public.rag_slo_targets enable row level security;
alter table public.rag_metrics_history enable row level security;

drop policy if exists rag_slo_targets_select on public.rag_slo_targets;
create policy rag_slo_targets_select on public.rag_slo_targets
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()) or (tenant_id is null and (select private.current_tenant_id()) is not null));
comment on policy rag_slo_targets_select on public.rag_slo_targets is 'Members read their tenant''s targets and the platform default.';

drop policy if exists rag_metrics_history_select on public.rag_metrics_history;
create policy rag_metrics_history_select on public.rag_metrics_history
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()) or (tenant_id is null and (select private.current_tenant_id()) is not null));
comment on policy rag_metrics_history_select on public.rag_metrics_history is 'Members read their tenant''s daily metrics and the platform-wide rows.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.rag_slo_targets, public.rag_metrics_history from anon, authenticated;
grant select on public.rag_slo_targets, public.rag_metrics_history to authenticated;
grant select, insert, update, delete on public.rag_slo_targets, public.rag_metrics_history to service_role;
