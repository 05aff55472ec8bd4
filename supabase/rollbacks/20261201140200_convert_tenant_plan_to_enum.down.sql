-- Rollback of 20261201140200_convert_tenant_plan_to_enum.sql: tenants.plan is text again with its
-- default and CHECK tenants_plan_check as 20261121140000 created them; the enum is dropped.
alter table public.tenants
  alter column plan drop default,
  alter column plan type text using plan::text,
  alter column plan set default 'free',
  add constraint tenants_plan_check check (plan in ('free', 'pro', 'enterprise'));

drop type if exists public.tenant_plan;
