-- Rollback of 20261121170500_create_plugin_registry.sql.
drop table if exists public.plugin_registry;
drop function if exists private.has_secret_like_keys(jsonb);
