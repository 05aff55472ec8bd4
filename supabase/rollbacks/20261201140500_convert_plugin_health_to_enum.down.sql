-- Rollback of 20261201140500_convert_plugin_health_to_enum.sql: plugin_registry.health_status is
-- text again with its default, CHECK plugin_registry_health_check and partial index as
-- 20261121170500 created them; the enum is dropped.
drop index if exists public.idx_plugin_enabled_healthy;

alter table public.plugin_registry
  alter column health_status drop default,
  alter column health_status type text using health_status::text,
  alter column health_status set default 'unknown',
  add constraint plugin_registry_health_check check (health_status in ('healthy', 'degraded', 'unhealthy', 'unknown'));

create index if not exists idx_plugin_enabled_healthy on public.plugin_registry (name) where enabled and health_status = 'healthy';

drop type if exists public.plugin_health_status;
