-- Tenancy: tenants, one user profile per auth.users row, and the helpers every policy uses.
--
-- Who may do what:
--   tenants  select: members of the tenant; update (slug, name): its owners and admins;
--            insert, delete, plan changes: service_role only (provisioning and billing run server-side).
--   users    select: members of the same tenant; update: yourself (display_name) or, as owner/admin,
--            anyone in your tenant (display_name, role); delete: owners/admins remove members of their
--            tenant (only owners remove owners); insert: service_role only (sign-up and invitations run
--            server-side, so nobody can pull an account into a tenant).
--   A profile never changes its id or tenant; only owners grant or revoke the owner role, and a tenant
--   keeps at least one owner.

-- ============================================================================
-- SCHEMA
-- ============================================================================
create schema if not exists private;
comment on schema private is
  'Internals (helpers, summaries, jobs) that the Data API does not expose. Reached only through policies, triggers and checked functions.';
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;
-- Functions created here later are not executable by PUBLIC unless granted on purpose.
alter default privileges in schema private revoke execute on functions from public;

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists public.tenants (
  -- identity
  id uuid primary key default gen_random_uuid(),
  slug text not null,
  -- payload
  name text not null,
  plan text not null default 'free',
  -- timestamps
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint tenants_slug_key unique (slug),
  constraint tenants_slug_format check (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  constraint tenants_name_length check (char_length(btrim(name)) between 1 and 200),
  constraint tenants_plan_check check (plan in ('free', 'pro', 'enterprise'))
);
comment on table public.tenants is 'An organisation using the platform. Every other row belongs to exactly one tenant.';
comment on column public.tenants.id is 'Primary key.';
comment on column public.tenants.slug is 'URL-safe unique handle: lowercase letters, digits and inner hyphens, 1-63 characters.';
comment on column public.tenants.name is 'Display name, 1-200 characters.';
comment on column public.tenants.plan is 'Billing plan: free, pro or enterprise. Changed by service_role only.';
comment on column public.tenants.created_at is 'When the tenant was created.';
comment on column public.tenants.updated_at is 'When the row last changed (kept by trigger).';

create table if not exists public.users (
  -- identity
  id uuid primary key references auth.users (id) on delete cascade,
  -- relationships
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  -- payload
  role text not null default 'member',
  display_name text,
  email text,
  -- timestamps
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint users_role_check check (role in ('owner', 'admin', 'member')),
  constraint users_display_name_length check (display_name is null or char_length(btrim(display_name)) between 1 and 100),
  constraint users_email_length check (email is null or char_length(email) <= 320)
);
comment on table public.users is 'Profile of a signed-in account (auth.users) within its one tenant.';
comment on column public.users.id is 'Same id as auth.users.id; the profile is deleted with the account.';
comment on column public.users.tenant_id is 'The tenant this user belongs to. Never changes.';
comment on column public.users.role is 'Role within the tenant: owner (everything, incl. managing owners), admin (manage members and tenant settings) or member.';
comment on column public.users.display_name is 'Name shown to colleagues, 1-100 characters.';
comment on column public.users.email is 'Contact email copied from the account at provisioning; changed by service_role only.';
comment on column public.users.created_at is 'When the profile was created.';
comment on column public.users.updated_at is 'When the row last changed (kept by trigger).';

-- ============================================================================
-- INDEXES
-- ============================================================================
-- Foreign key and every policy filter (tenant_id = the caller's tenant).
create index if not exists users_tenant_id_role_idx on public.users (tenant_id, role);

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function private.set_updated_at() is
  'Trigger function shared by every table with an updated_at column: sets it to now() on update.';

create or replace function private.current_tenant_id()
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select u.tenant_id from public.users u where u.id = (select auth.uid())
$$;
comment on function private.current_tenant_id() is
  'The tenant of the calling user (auth.uid()), or null for anon, service_role and accounts without a profile. Used by RLS policies as (select private.current_tenant_id()).';

create or replace function private.current_tenant_role()
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select u.role from public.users u where u.id = (select auth.uid())
$$;
comment on function private.current_tenant_role() is
  'The calling user''s role in their tenant (owner, admin, member), or null without a profile. Used by RLS policies as (select private.current_tenant_role()).';

create or replace function private.guard_user_update()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  caller_role text;
begin
  if new.id is distinct from old.id or new.tenant_id is distinct from old.tenant_id then
    raise exception 'a user profile cannot change its id or tenant'
      using errcode = '42501', hint = 'delete the profile and create a new one in the other tenant';
  end if;
  if new.role is distinct from old.role then
    if current_user in ('anon', 'authenticated') then
      caller_role := private.current_tenant_role();
      if caller_role is null or caller_role not in ('owner', 'admin') then
        raise exception 'only tenant owners and admins can change roles' using errcode = '42501';
      end if;
      if 'owner' in (new.role, old.role) and caller_role <> 'owner' then
        raise exception 'only an owner can grant or revoke the owner role' using errcode = '42501';
      end if;
    end if;
    if old.role = 'owner' and not exists (
      select 1 from public.users u
      where u.tenant_id = old.tenant_id and u.role = 'owner' and u.id <> old.id
    ) then
      raise exception 'tenant % must keep at least one owner', old.tenant_id using errcode = '23514';
    end if;
  end if;
  return new;
end
$$;
comment on function private.guard_user_update() is
  'Trigger: keeps a profile''s id and tenant fixed, lets only owners/admins change roles (only owners touch the owner role) and keeps one owner per tenant.';

revoke all on function private.set_updated_at() from public;
revoke all on function private.current_tenant_id() from public;
revoke all on function private.current_tenant_role() from public;
revoke all on function private.guard_user_update() from public;
grant execute on function private.current_tenant_id() to authenticated, service_role;
grant execute on function private.current_tenant_role() to authenticated, service_role;

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger tenants_set_updated_at
  before update on public.tenants
  for each row execute function private.set_updated_at();
create or replace trigger users_set_updated_at
  before update on public.users
  for each row execute function private.set_updated_at();
create or replace trigger users_guard_update
  before update on public.users
  for each row execute function private.guard_user_update();

-- ============================================================================
-- RLS
-- ============================================================================
alter table public.tenants enable row level security;
alter table public.users enable row level security;

create policy tenants_select on public.tenants
  for select to authenticated
  using (id = (select private.current_tenant_id()));
comment on policy tenants_select on public.tenants is 'Members read their own tenant.';

create policy tenants_update on public.tenants
  for update to authenticated
  using (id = (select private.current_tenant_id()) and (select private.current_tenant_role()) in ('owner', 'admin'))
  with check (id = (select private.current_tenant_id()));
comment on policy tenants_update on public.tenants is 'Owners and admins update their own tenant (slug and name: column grants).';

create policy users_select on public.users
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()));
comment on policy users_select on public.users is 'Members read the profiles of their own tenant.';

create policy users_update on public.users
  for update to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (id = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  )
  with check (tenant_id = (select private.current_tenant_id()));
comment on policy users_update on public.users is 'Users update their own profile; owners and admins any profile of their tenant. Role changes are checked by trigger.';

create policy users_delete on public.users
  for delete to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (select private.current_tenant_role()) in ('owner', 'admin')
    and (role <> 'owner' or (select private.current_tenant_role()) = 'owner')
  );
comment on policy users_delete on public.users is 'Owners and admins remove members of their tenant; only owners remove owners.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.tenants from anon, authenticated;
revoke all on public.users from anon, authenticated;
grant select on public.tenants to authenticated;
grant update (slug, name) on public.tenants to authenticated;
grant select, delete on public.users to authenticated;
grant update (display_name, role) on public.users to authenticated;
grant select, insert, update, delete on public.tenants, public.users to service_role;
