-- Closed sets as enums (issue 19), the plugin registry: plugin_registry.health_status becomes
-- public.plugin_health_status (degraded, healthy, unhealthy, unknown; default unknown), was text
-- with plugin_registry_health_check. The partial index of enabled healthy plugins compares it, so
-- it is created again with the same definition. Labels are in alphabetical order (ORDER BY sorts
-- as on text). An unknown status is refused with 22P02 instead of 23514. Only service_role writes.

-- ============================================================================
-- TYPES
-- ============================================================================
do $$
begin
  create type public.plugin_health_status as enum ('degraded', 'healthy', 'unhealthy', 'unknown');
exception when duplicate_object then null;
end
$$;
comment on type public.plugin_health_status is
  'Result of a plugin''s last health check. degraded: works with problems; healthy: works; unhealthy: does not work; unknown: not checked yet (the default).';

-- ============================================================================
-- TABLE CHANGES
-- ============================================================================
drop index if exists public.idx_plugin_enabled_healthy;

alter table public.plugin_registry
  drop constraint if exists plugin_registry_health_check,
  alter column health_status drop default,
  alter column health_status type public.plugin_health_status using health_status::public.plugin_health_status,
  alter column health_status set default 'unknown';

-- ============================================================================
-- INDEXES
-- ============================================================================
create index if not exists idx_plugin_enabled_healthy on public.plugin_registry (name) where enabled and health_status = 'healthy';
