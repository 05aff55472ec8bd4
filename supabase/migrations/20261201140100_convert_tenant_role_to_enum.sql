-- Closed sets as enums (issue 19), the tenancy aggregate: a member's role in their tenant becomes
-- public.tenant_role ('admin', 'member', 'owner') wherever it is stored, compared or returned:
--   * public.users.role (was text with the CHECK users_role_check; default member);
--   * public.tenant_invitations.role (was text, checked inside tenant_invitations_valid, which
--     keeps role in ('admin', 'member'): invitations never grant owner);
--   * public.created_invitation.role, the result of create_invitation;
--   * public.create_invitation(p_role ...) and its private body: p_role is typed, so clients see
--     the union in the generated types;
--   * private.current_tenant_role(), which every owner/admin policy compares, and
--     private.create_caller_profile's p_role; the member-management guard
--     (private.guard_user_update) and the invitation bodies compare typed values.
-- A function's return type cannot change in place, so the policies that call
-- current_tenant_role() are dropped and created again with the same text (their literals now
-- resolve to the enum), as is users_delete, which reads users.role. No rule changes.
--
-- Labels are in alphabetical order, so ORDER BY role sorts as on text; the order is not a rank.
-- What changes for callers: an unknown role is refused with 22P02 (invalid input value for enum
-- tenant_role) instead of 23514 (users.role, tenant_invitations.role) or 22023
-- (create_invitation's p_role, now converted before the body runs). create_invitation with
-- 'owner' is still 22023. Rewrites public.users and public.tenant_invitations.

-- ============================================================================
-- TYPES
-- ============================================================================
do $$
begin
  create type public.tenant_role as enum ('admin', 'member', 'owner');
exception when duplicate_object then null;
end
$$;
comment on type public.tenant_role is
  'A member''s role in their tenant. admin: manages members, invitations and tenant settings; member: uses the assistant; owner: everything an admin may, and manages owners (a tenant keeps at least one). Declared in alphabetical order (ORDER BY sorts as text did); not a rank.';

-- ============================================================================
-- RLS (policies that call current_tenant_role() or read users.role, recreated below)
-- ============================================================================
drop policy if exists tenants_update on public.tenants;
drop policy if exists users_update on public.users;
drop policy if exists users_delete on public.users;
drop policy if exists conversations_update on public.conversations;
drop policy if exists conversations_delete on public.conversations;
drop policy if exists messages_update on public.messages;
drop policy if exists messages_delete on public.messages;
drop policy if exists usage_metrics_select on public.usage_metrics;
drop policy if exists materials_update on public.materials;
drop policy if exists materials_delete on public.materials;
drop policy if exists provenance_update on public.provenance;
drop policy if exists provenance_delete on public.provenance;
drop policy if exists raw_response_ingestions_select on public.raw_response_ingestions;
drop policy if exists tenant_invitations_select on public.tenant_invitations;

-- ============================================================================
-- TABLE CHANGES
-- ============================================================================
alter table public.users
  drop constraint if exists users_role_check,
  alter column role drop default,
  alter column role type public.tenant_role using role::public.tenant_role,
  alter column role set default 'member';

alter table public.tenant_invitations
  drop constraint if exists tenant_invitations_valid,
  alter column role drop default,
  alter column role type public.tenant_role using role::public.tenant_role,
  alter column role set default 'member',
  add constraint tenant_invitations_valid check (
    octet_length(token_hash) = 32
    and role in ('admin', 'member')
    and (email is null or (char_length(email) <= 320 and email ~ '^[^@[:space:]]+@[^@[:space:]]+$'))
    and (max_uses is null or max_uses between 1 and 10000)
    and (email is null or max_uses = 1)
    and use_count >= 0 and (max_uses is null or use_count <= max_uses)
    and expires_at > created_at);

-- ============================================================================
-- TYPES (results)
-- ============================================================================
alter type public.created_invitation alter attribute role type public.tenant_role;

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
drop function if exists private.current_tenant_role();
create or replace function private.current_tenant_role()
returns public.tenant_role
language sql
stable
security definer
set search_path = ''
as $$
  select u.role from public.users u where u.id = (select auth.uid())
$$;
comment on function private.current_tenant_role() is
  'The calling user''s role in their tenant (owner, admin, member), or null without a profile. Used by RLS policies as (select private.current_tenant_role()).';
revoke all on function private.current_tenant_role() from public;
grant execute on function private.current_tenant_role() to authenticated, service_role;

create or replace function private.guard_user_update()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  caller_role public.tenant_role;
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

drop function if exists private.create_caller_profile(uuid, text, text);
create or replace function private.create_caller_profile(p_tenant_id uuid, p_role public.tenant_role, p_caller text)
returns public.users
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_email text;
  v_meta jsonb;
  v_name text;
  v_row public.users;
begin
  select u.email, u.raw_user_meta_data into v_email, v_meta from auth.users u where u.id = v_uid;
  if not found then
    raise exception '%: the signed-in account % does not exist', p_caller, v_uid using errcode = '42501';
  end if;
  -- The name the account signed up with (display_name, or an OAuth provider's full_name/name),
  -- cut to what users_display_name_length accepts; none when empty.
  if jsonb_typeof(v_meta) = 'object' then
    v_name := nullif(btrim(left(btrim(coalesce(v_meta ->> 'display_name', v_meta ->> 'full_name', v_meta ->> 'name', '')), 100)), '');
  end if;
  begin
    insert into public.users (id, tenant_id, role, display_name, email)
    values (v_uid, p_tenant_id, p_role, v_name, left(v_email, 320))
    returning * into v_row;
  exception when unique_violation then
    -- Another call for the same account (create_tenant or accept_invitation) committed first.
    raise exception '%: your account already belongs to a tenant', p_caller
      using errcode = 'TN001', hint = 'an account has one profile in one tenant';
  end;
  return v_row;
end
$$;
comment on function private.create_caller_profile(uuid, public.tenant_role, text) is
  'Internal to create_tenant and accept_invitation (runs as their owner): inserts the calling account''s profile in a tenant with its email and sign-up display name; TN001 when the account already has one (also when a concurrent call won).';
revoke all on function private.create_caller_profile(uuid, public.tenant_role, text) from public, anon, authenticated, service_role;

drop function if exists public.create_invitation(text, text, interval, integer);
drop function if exists private.create_invitation(text, text, interval, integer);
create or replace function private.create_invitation(
  p_role public.tenant_role,
  p_email text default null,
  p_expires_in interval default interval '24 hours',
  p_max_uses integer default 1
)
returns public.created_invitation
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_result public.created_invitation;
  v_uid uuid := auth.uid();
  v_tenant uuid;
  v_caller_role public.tenant_role;
  v_email text := nullif(btrim(p_email), '');
  v_expires_in interval := coalesce(p_expires_in, interval '24 hours');
begin
  select u.tenant_id, u.role into v_tenant, v_caller_role from public.users u where u.id = v_uid;
  if v_uid is null or v_caller_role is null or v_caller_role not in ('owner', 'admin') then
    raise exception 'create_invitation: only owners and admins of a tenant can invite' using errcode = '42501';
  end if;
  if p_role is null then
    raise exception 'create_invitation: role is required' using errcode = '22004';
  end if;
  if p_role not in ('admin', 'member') then
    raise exception 'create_invitation: role must be admin or member, not "%"', p_role
      using errcode = '22023', hint = 'owners are made by promoting a member (update public.users set role = ''owner'')';
  end if;
  if v_email is not null and (char_length(v_email) > 320 or v_email !~ '^[^@[:space:]]+@[^@[:space:]]+$') then
    raise exception 'create_invitation: "%" is not an email address', left(v_email, 100) using errcode = '22023';
  end if;
  if v_expires_in < interval '5 minutes' or v_expires_in > interval '30 days' then
    raise exception 'create_invitation: an invitation must expire between 5 minutes and 30 days from now'
      using errcode = '22023';
  end if;
  if p_max_uses is not null and p_max_uses not between 1 and 10000 then
    raise exception 'create_invitation: max_uses must be 1-10000, or null for any number until it expires'
      using errcode = '22023';
  end if;
  if v_email is not null and p_max_uses is distinct from 1 then
    raise exception 'create_invitation: an invitation for an email address is one-time (max_uses 1)'
      using errcode = '22023';
  end if;

  -- 32 random bytes, URL-safe base64 without padding (43 characters).
  v_result.token := translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/=', '-_');
  insert into public.tenant_invitations as i (tenant_id, created_by, token_hash, role, email, max_uses, expires_at)
  values (v_tenant, v_uid, extensions.digest(v_result.token, 'sha256'), p_role, v_email, p_max_uses, now() + v_expires_in)
  returning i.id, i.tenant_id, i.role, i.email, i.max_uses, i.expires_at
  into v_result.id, v_result.tenant_id, v_result.role, v_result.email, v_result.max_uses, v_result.expires_at;
  return v_result;
end
$$;
comment on function private.create_invitation(public.tenant_role, text, interval, integer) is
  'SECURITY DEFINER body of public.create_invitation: checks that the caller is an owner or admin, validates the invitation and stores it with the SHA-256 of a new random token, which it returns.';

create or replace function private.revoke_invitation(p_invitation_id uuid)
returns public.tenant_invitations
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_tenant uuid;
  v_caller_role public.tenant_role;
  v_row public.tenant_invitations;
begin
  select u.tenant_id, u.role into v_tenant, v_caller_role from public.users u where u.id = v_uid;
  if v_uid is null or v_caller_role is null or v_caller_role not in ('owner', 'admin') then
    raise exception 'revoke_invitation: only owners and admins of a tenant can revoke invitations' using errcode = '42501';
  end if;
  if p_invitation_id is null then
    raise exception 'revoke_invitation: invitation id is required' using errcode = '22004';
  end if;
  -- Revoking again keeps the first revocation time.
  update public.tenant_invitations i
  set revoked_at = coalesce(i.revoked_at, now())
  where i.id = p_invitation_id and i.tenant_id = v_tenant
  returning i.* into v_row;
  if not found then
    raise exception 'revoke_invitation: no invitation % in your tenant', p_invitation_id using errcode = 'TN002';
  end if;
  return v_row;
end
$$;

create or replace function public.create_invitation(
  p_role public.tenant_role,
  p_email text default null,
  p_expires_in interval default interval '24 hours',
  p_max_uses integer default 1
)
returns public.created_invitation
language sql
volatile
security invoker
set search_path = ''
as $$
  select * from private.create_invitation(p_role, p_email, p_expires_in, p_max_uses)
$$;
comment on function public.create_invitation(public.tenant_role, text, interval, integer) is
  'Owners and admins invite to their tenant: p_role admin or member, p_email (optional: only that address may accept; then one-time), p_expires_in (5 minutes to 30 days, default 24 hours), p_max_uses (default 1; up to 10000, or null for any number until it expires). Returns {id, token, tenant_id, role, email, max_uses, expires_at}: the token is shown this once (only its SHA-256 is kept). Errors: 42501 not an owner or admin, 22004 missing role, 22P02 a role that is not a tenant_role, 22023 invalid value (owner, email, expiry, max_uses).';

revoke all on function private.create_invitation(public.tenant_role, text, interval, integer) from public, anon;
revoke all on function public.create_invitation(public.tenant_role, text, interval, integer) from public, anon, service_role;
grant execute on function private.create_invitation(public.tenant_role, text, interval, integer) to authenticated;
grant execute on function public.create_invitation(public.tenant_role, text, interval, integer) to authenticated;

-- ============================================================================
-- RLS (the same policies, their role literals now typed by the enum)
-- ============================================================================
create policy tenants_update on public.tenants
  for update to authenticated
  using (id = (select private.current_tenant_id()) and (select private.current_tenant_role()) in ('owner', 'admin'))
  with check (id = (select private.current_tenant_id()));
comment on policy tenants_update on public.tenants is 'Owners and admins update their own tenant (slug and name: column grants).';

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

create policy conversations_update on public.conversations
  for update to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (user_id = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  )
  with check (tenant_id = (select private.current_tenant_id()));
comment on policy conversations_update on public.conversations is 'Users update their own conversations; owners and admins any in their tenant.';

create policy conversations_delete on public.conversations
  for delete to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (user_id = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  );
comment on policy conversations_delete on public.conversations is 'Users delete their own conversations; owners and admins any in their tenant.';

create policy messages_update on public.messages
  for update to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (
      (select private.current_tenant_role()) in ('owner', 'admin')
      or exists (select 1 from public.conversations c where c.id = conversation_id and c.user_id = (select auth.uid()))
    )
  )
  with check (tenant_id = (select private.current_tenant_id()));
comment on policy messages_update on public.messages is 'Users edit messages of their own conversations; owners and admins any in their tenant.';

create policy messages_delete on public.messages
  for delete to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (
      (select private.current_tenant_role()) in ('owner', 'admin')
      or exists (select 1 from public.conversations c where c.id = conversation_id and c.user_id = (select auth.uid()))
    )
  );
comment on policy messages_delete on public.messages is 'Users delete messages of their own conversations; owners and admins any in their tenant.';

create policy usage_metrics_select on public.usage_metrics
  for select to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (user_id = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  );
comment on policy usage_metrics_select on public.usage_metrics is 'Users read their own usage; owners and admins their tenant''s. Nobody but service_role writes.';

create policy materials_update on public.materials
  for update to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (created_by = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  )
  with check (tenant_id = (select private.current_tenant_id()));
comment on policy materials_update on public.materials is 'Authors edit their materials; owners and admins any of the tenant''s.';

create policy materials_delete on public.materials
  for delete to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (created_by = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  );
comment on policy materials_delete on public.materials is 'Authors delete their materials; owners and admins any of the tenant''s.';

create policy provenance_update on public.provenance
  for update to authenticated
  using (tenant_id = (select private.current_tenant_id()) and (select private.current_tenant_role()) in ('owner', 'admin'))
  with check (tenant_id = (select private.current_tenant_id()));
comment on policy provenance_update on public.provenance is 'Owners and admins correct their tenant''s provenance.';

create policy provenance_delete on public.provenance
  for delete to authenticated
  using (tenant_id = (select private.current_tenant_id()) and (select private.current_tenant_role()) in ('owner', 'admin'));
comment on policy provenance_delete on public.provenance is 'Owners and admins delete their tenant''s provenance.';

create policy raw_response_ingestions_select on public.raw_response_ingestions
  for select to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (user_id = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  );
comment on policy raw_response_ingestions_select on public.raw_response_ingestions is 'Users read the ingestions of their own conversations; owners and admins their tenant''s (for review). Other members see none. Only service_role (ingest-response) writes.';

create policy tenant_invitations_select on public.tenant_invitations
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()) and (select private.current_tenant_role()) in ('owner', 'admin'));
comment on policy tenant_invitations_select on public.tenant_invitations is
  'Owners and admins list their tenant''s invitations. Nobody but service_role writes directly (create_invitation, revoke_invitation and accept_invitation do).';
