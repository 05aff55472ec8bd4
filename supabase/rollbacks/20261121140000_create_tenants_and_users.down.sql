-- Rollback of 20261121140000_create_tenants_and_users.sql: removes tenants, users, the tenancy
-- helpers and the private schema (which must be empty by then: later rollbacks run first).
drop table if exists public.users;
drop table if exists public.tenants;
drop function if exists private.guard_user_update();
drop function if exists private.current_tenant_role();
drop function if exists private.current_tenant_id();
drop function if exists private.set_updated_at();
alter default privileges in schema private grant execute on functions to public;
drop schema if exists private;
