-- Usage metering: tokens, cost and requests per (tenant, user, day), incremented atomically by
-- increment_usage_metrics (service_role only), read by users (their own rows) and tenant admins
-- (their tenant's rows). Clients never write it. current_day_usage shows today's rows.
--
-- Cost is in US dollars (numeric, 6 decimal places: LLM prices are quoted per million tokens).
-- Days are UTC calendar days (Supabase sessions run in UTC).

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists public.usage_metrics (
  -- identity
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  user_id uuid not null,
  date date not null,
  -- payload
  input_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  total_tokens bigint generated always as (input_tokens + output_tokens) stored,
  cost numeric(14, 6) not null default 0,
  request_count integer not null default 0,
  -- timestamps
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint usage_metrics_pkey primary key (tenant_id, user_id, date),
  constraint usage_metrics_user_fkey foreign key (user_id, tenant_id)
    references public.users (id, tenant_id) on delete cascade,
  constraint usage_metrics_nonnegative check (input_tokens >= 0 and output_tokens >= 0 and cost >= 0 and request_count >= 0)
);
comment on table public.usage_metrics is 'LLM usage per tenant, user and UTC day. Written only by increment_usage_metrics.';
comment on column public.usage_metrics.tenant_id is 'Tenant billed for the usage.';
comment on column public.usage_metrics.user_id is 'User who caused the usage (a member of the tenant, enforced by foreign key).';
comment on column public.usage_metrics.date is 'UTC calendar day of the usage.';
comment on column public.usage_metrics.input_tokens is 'Prompt tokens consumed that day.';
comment on column public.usage_metrics.output_tokens is 'Completion tokens produced that day.';
comment on column public.usage_metrics.total_tokens is 'input_tokens + output_tokens (generated).';
comment on column public.usage_metrics.cost is 'Cost in US dollars, 6 decimal places.';
comment on column public.usage_metrics.request_count is 'Number of LLM calls that day.';
comment on column public.usage_metrics.created_at is 'When the day''s first usage was recorded.';
comment on column public.usage_metrics.updated_at is 'When the day''s usage was last incremented.';

-- ============================================================================
-- INDEXES
-- ============================================================================
-- The primary key serves tenant and tenant+user lookups; this one a user's own history and
-- the foreign key to users.
create index if not exists usage_metrics_user_tenant_date_idx on public.usage_metrics (user_id, tenant_id, date desc);
-- Today's usage across tenants (the platform view, monitoring).
create index if not exists usage_metrics_date_idx on public.usage_metrics (date);

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
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
revoke all on function public.increment_usage_metrics(uuid, uuid, date, integer, integer, numeric) from public, anon, authenticated;
grant execute on function public.increment_usage_metrics(uuid, uuid, date, integer, integer, numeric) to service_role;

-- ============================================================================
-- VIEWS
-- ============================================================================
create or replace view public.current_day_usage
with (security_invoker = on)
as
select m.tenant_id, m.user_id, m.date, m.input_tokens, m.output_tokens, m.total_tokens, m.cost, m.request_count, m.updated_at
from public.usage_metrics m
where m.date = current_date;
comment on view public.current_day_usage is
  'Today''s (UTC) usage rows, under the caller''s RLS: members see their own row, tenant admins their tenant''s.';
comment on column public.current_day_usage.tenant_id is 'Tenant billed for the usage.';
comment on column public.current_day_usage.user_id is 'User who caused the usage.';
comment on column public.current_day_usage.date is 'Today (UTC).';
comment on column public.current_day_usage.input_tokens is 'Prompt tokens consumed today.';
comment on column public.current_day_usage.output_tokens is 'Completion tokens produced today.';
comment on column public.current_day_usage.total_tokens is 'input_tokens + output_tokens.';
comment on column public.current_day_usage.cost is 'Cost today in US dollars.';
comment on column public.current_day_usage.request_count is 'LLM calls today.';
comment on column public.current_day_usage.updated_at is 'When today''s usage was last incremented.';

-- ============================================================================
-- RLS
-- ============================================================================
alter table public.usage_metrics enable row level security;

create policy usage_metrics_select on public.usage_metrics
  for select to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (user_id = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  );
comment on policy usage_metrics_select on public.usage_metrics is 'Users read their own usage; owners and admins their tenant''s. Nobody but service_role writes.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.usage_metrics, public.current_day_usage from anon, authenticated;
grant select on public.usage_metrics, public.current_day_usage to authenticated;
grant select, insert, update, delete on public.usage_metrics to service_role;
grant select on public.current_day_usage to service_role;
