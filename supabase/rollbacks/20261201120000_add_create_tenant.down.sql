-- Rollback of 20261201120000_add_create_tenant.sql: removes create_tenant and the profile helper.
-- Tenants and profiles created through it stay (they are ordinary rows).
drop function if exists public.create_tenant(text, text);
drop function if exists private.create_tenant(text, text);
drop function if exists private.create_caller_profile(uuid, text, text);
