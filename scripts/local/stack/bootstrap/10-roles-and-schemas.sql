-- Platform bootstrap for plain PostgreSQL: the roles, schemas, functions and privileges
-- that hosted Supabase provides before any migration runs, so that the project's migrations,
-- `supabase db push`, `gen types` and `db advisors` behave here as they do on a real project.
-- See ../../../../../shared/reference/supabase-platform.md for the facts each part matches.
--
-- The bootstrap is the files of this folder in name order (10-roles-and-schemas, 20-auth-users,
-- 30-auth-sessions, 40-storage), run as one script in one transaction by ../bootstrap.ts.
-- Not a migration: never applied to a database that already is Supabase (scripts/local/stack/bootstrap.ts
-- checks first). Idempotent: every statement may run again on a bootstrapped database.
-- Runs as the cluster superuser (supabase_admin) with two settings provided by the caller:
--   bootstrap.db_password   password given to the login roles it creates (the DB password, as the CLI does)
--   bootstrap.db_schemas    the schemas the Data API exposes ([api] schemas in config.toml)

set client_min_messages = warning;

-- ============================================================================
-- ROLES
-- ============================================================================
do $$
declare
  pw text := current_setting('bootstrap.db_password');
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin;
  end if;
  -- INHERIT since supabase/postgres 20230529180330; only service_role bypasses RLS.
  alter role anon nologin inherit nobypassrls;
  alter role authenticated nologin inherit nobypassrls;
  alter role service_role nologin inherit bypassrls;

  -- Login roles get the DB password when they are created (as the CLI does); an existing
  -- role keeps its password.
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    execute format('create role authenticator login noinherit password %L', pw);
  end if;
  alter role authenticator with login noinherit;

  if not exists (select 1 from pg_roles where rolname = 'postgres') then
    execute format('create role postgres login password %L', pw);
  end if;
  -- Hosted Supabase demotes postgres (10000000000000_demote-postgres.sql). On a server where
  -- postgres itself runs this bootstrap it stays what it is.
  if current_user <> 'postgres' then
    alter role postgres with login nosuperuser createdb createrole replication bypassrls;
  end if;

  if not exists (select 1 from pg_roles where rolname = 'supabase_auth_admin') then
    execute format('create role supabase_auth_admin login password %L', pw);
  end if;
  alter role supabase_auth_admin with login noinherit nocreaterole noreplication;

  if not exists (select 1 from pg_roles where rolname = 'supabase_storage_admin') then
    execute format('create role supabase_storage_admin login password %L', pw);
  end if;
  alter role supabase_storage_admin with login noinherit createrole noreplication;
end
$$;

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres with admin option;
grant pg_monitor, pg_read_all_data, pg_signal_backend to postgres;
grant authenticator to supabase_storage_admin;

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
alter role postgres set search_path = "$user", public, extensions;
alter role supabase_auth_admin set search_path = auth;
alter role supabase_storage_admin set search_path = storage;

-- ============================================================================
-- DATABASE, PUBLIC AND EXTENSIONS SCHEMAS, DEFAULT PRIVILEGES
-- ============================================================================
do $$
begin
  execute format('alter database %I owner to postgres', current_database());
  -- Splinter (db advisors) only checks exposure lints for the schemas PostgREST serves.
  execute format('alter database %I set pgrst.db_schemas = %L', current_database(),
                 current_setting('bootstrap.db_schemas'));
end
$$;

create schema if not exists extensions authorization postgres;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;

grant usage on schema public to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on sequences to postgres, anon, authenticated, service_role;

