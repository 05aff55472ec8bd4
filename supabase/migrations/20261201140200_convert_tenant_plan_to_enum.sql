-- Closed sets as enums (issue 19), the tenants aggregate: tenants.plan becomes public.tenant_plan
-- instead of text with the CHECK tenants_plan_check (default free). Plans are still changed by
-- service_role only (no column grant). Labels are in alphabetical order, so ORDER BY plan sorts as
-- on text; the order is not a tier. An unknown plan is refused with 22P02 (invalid input value for
-- enum tenant_plan) instead of 23514. Rewrites public.tenants.

-- ============================================================================
-- TYPES
-- ============================================================================
do $$
begin
  create type public.tenant_plan as enum ('enterprise', 'free', 'pro');
exception when duplicate_object then null;
end
$$;
comment on type public.tenant_plan is
  'Billing plan of a tenant: enterprise, free (the default) or pro. Changed by service_role only. Declared in alphabetical order (ORDER BY sorts as text did); not a tier.';

-- ============================================================================
-- TABLE CHANGES
-- ============================================================================
alter table public.tenants
  drop constraint if exists tenants_plan_check,
  alter column plan drop default,
  alter column plan type public.tenant_plan using plan::public.tenant_plan,
  alter column plan set default 'free';
