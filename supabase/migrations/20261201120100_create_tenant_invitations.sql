-- Self-service tenancy, part 2: invitations (issue 17). Owners and admins invite with
-- create_invitation, which returns a random token once (only its SHA-256 is stored); a signed-in
-- account without a profile joins with accept_invitation(token). Invitations grant admin or
-- member, never owner (owners promote members). They expire (24 hours by default), are one-time
-- by default or allow a number of uses (or any number until they expire), may be bound to an
-- email (then one-time), and are revoked with revoke_invitation.
--
-- Who may do what:
--   tenant_invitations  select: owners and admins of the tenant; insert, update, delete: nobody
--                       but service_role (clients go through the RPCs below).
--
-- Errors of accept_invitation, one SQLSTATE each (class TN, this project's own; PostgREST
-- answers them with HTTP 400 and the code in the body):
--   TN001 the account already has a profile (in this tenant or another)
--   TN002 no invitation has this token (revoke_invitation: no such invitation in your tenant)
--   TN003 the invitation has expired
--   TN004 the invitation has been used up
--   TN005 the invitation has been revoked
--   TN006 the invitation is for another email address than the caller's (auth.jwt() ->> 'email')
-- plus 42501 not signed in / not an owner or admin, 22004 missing argument, 22023 invalid value.
--
-- Concurrency: accept_invitation locks the invitation row (select ... for update) before it
-- checks and counts a use, so concurrent accepts of a one-time token admit exactly one account;
-- the profile's primary key stops one account from joining twice at once.

-- ============================================================================
-- TYPES
-- ============================================================================
do $$
begin
  create type public.created_invitation as (
    id uuid, token text, tenant_id uuid, role text, email text, max_uses integer, expires_at timestamptz);
exception when duplicate_object then null;
end
$$;
comment on type public.created_invitation is
  'What create_invitation returns: the new invitation''s id, tenant, role, email, max_uses and expiry, and its token (shown this once; only its SHA-256 is stored).';

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists public.tenant_invitations (
  -- identity
  id uuid primary key default gen_random_uuid(),
  -- relationships
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  created_by uuid,
  -- payload
  token_hash bytea not null,
  role text not null default 'member',
  email text,
  max_uses integer default 1,
  use_count integer not null default 0,
  -- timestamps
  expires_at timestamptz not null default now() + interval '24 hours',
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint tenant_invitations_token_hash_key unique (token_hash),
  constraint tenant_invitations_created_by_fkey foreign key (created_by, tenant_id)
    references public.users (id, tenant_id) on delete set null (created_by),
  constraint tenant_invitations_valid check (
    octet_length(token_hash) = 32
    and role in ('admin', 'member')
    and (email is null or (char_length(email) <= 320 and email ~ '^[^@[:space:]]+@[^@[:space:]]+$'))
    and (max_uses is null or max_uses between 1 and 10000)
    and (email is null or max_uses = 1)
    and use_count >= 0 and (max_uses is null or use_count <= max_uses)
    and expires_at > created_at)
);
comment on table public.tenant_invitations is
  'An invitation to join a tenant as admin or member: a token (stored as its SHA-256 only) that signed-in accounts without a profile accept with accept_invitation. Created and revoked through create_invitation and revoke_invitation.';
comment on column public.tenant_invitations.id is 'Primary key.';
comment on column public.tenant_invitations.tenant_id is 'The tenant the invitation joins.';
comment on column public.tenant_invitations.created_by is 'The owner or admin who created it (null once their profile is gone).';
comment on column public.tenant_invitations.token_hash is 'SHA-256 of the token (32 bytes). The token itself is returned once by create_invitation and never stored.';
comment on column public.tenant_invitations.role is 'Role the accepting account gets: admin or member (never owner).';
comment on column public.tenant_invitations.email is 'When set, only an account signed in with this email (case-insensitive) may accept; such an invitation is one-time.';
comment on column public.tenant_invitations.max_uses is 'How many accounts may accept it: 1 (one-time, the default) up to 10000, or null for any number until it expires.';
comment on column public.tenant_invitations.use_count is 'How many accounts have accepted it.';
comment on column public.tenant_invitations.expires_at is 'When it stops being accepted (24 hours after creation by default).';
comment on column public.tenant_invitations.revoked_at is 'When an owner or admin revoked it; revoked invitations are never accepted.';
comment on column public.tenant_invitations.created_at is 'When it was created.';
comment on column public.tenant_invitations.updated_at is 'When the row last changed (kept by trigger).';

-- ============================================================================
-- INDEXES
-- ============================================================================
-- The policy filter and the listing (newest first); token lookups use the unique key.
create index if not exists tenant_invitations_tenant_id_created_at_idx on public.tenant_invitations (tenant_id, created_at desc);
-- The foreign key to the creator's profile (a profile's deletion sets created_by to null).
create index if not exists tenant_invitations_created_by_idx on public.tenant_invitations (created_by, tenant_id);

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.create_invitation(
  p_role text,
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
  v_caller_role text;
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
    raise exception 'create_invitation: role must be admin or member, not "%"', left(p_role, 50)
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
comment on function private.create_invitation(text, text, interval, integer) is
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
  v_caller_role text;
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
comment on function private.revoke_invitation(uuid) is
  'SECURITY DEFINER body of public.revoke_invitation: an owner or admin revokes an invitation of their own tenant.';

create or replace function private.accept_invitation(p_token text)
returns public.users
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_invitation public.tenant_invitations;
  v_member_of uuid;
  v_email text := lower(btrim(coalesce(auth.jwt() ->> 'email', '')));
begin
  if v_uid is null then
    raise exception 'accept_invitation: sign in first' using errcode = '42501';
  end if;
  if p_token is null then
    raise exception 'accept_invitation: token is required' using errcode = '22004';
  end if;

  -- The row lock serialises accepts of one invitation: a waiting call sees the count the
  -- previous one committed.
  select i.* into v_invitation
  from public.tenant_invitations i
  where i.token_hash = extensions.digest(p_token, 'sha256')
  for update;
  if not found then
    raise exception 'accept_invitation: no invitation has this token' using errcode = 'TN002',
      hint = 'check the link, or ask for a new invitation';
  end if;

  select u.tenant_id into v_member_of from public.users u where u.id = v_uid;
  if found then
    if v_member_of = v_invitation.tenant_id then
      raise exception 'accept_invitation: you are already a member of this tenant' using errcode = 'TN001';
    end if;
    raise exception 'accept_invitation: your account already belongs to another tenant' using errcode = 'TN001',
      hint = 'an account has one profile in one tenant: ask an owner or admin there to remove you first';
  end if;
  if v_invitation.revoked_at is not null then
    raise exception 'accept_invitation: the invitation has been revoked' using errcode = 'TN005';
  end if;
  if v_invitation.expires_at <= now() then
    raise exception 'accept_invitation: the invitation expired at %', v_invitation.expires_at using errcode = 'TN003',
      hint = 'ask for a new invitation';
  end if;
  if v_invitation.max_uses is not null and v_invitation.use_count >= v_invitation.max_uses then
    raise exception 'accept_invitation: the invitation has been used up' using errcode = 'TN004',
      hint = 'ask for a new invitation';
  end if;
  if v_invitation.email is not null and lower(v_invitation.email) <> v_email then
    raise exception 'accept_invitation: the invitation is for another email address' using errcode = 'TN006',
      hint = 'sign in with the address the invitation was sent to';
  end if;

  update public.tenant_invitations i set use_count = i.use_count + 1 where i.id = v_invitation.id;
  return private.create_caller_profile(v_invitation.tenant_id, v_invitation.role, 'accept_invitation');
end
$$;
comment on function private.accept_invitation(text) is
  'SECURITY DEFINER body of public.accept_invitation: checks the invitation under its row lock, counts the use and creates the caller''s profile in its tenant.';

create or replace function public.create_invitation(
  p_role text,
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
comment on function public.create_invitation(text, text, interval, integer) is
  'Owners and admins invite to their tenant: p_role admin or member, p_email (optional: only that address may accept; then one-time), p_expires_in (5 minutes to 30 days, default 24 hours), p_max_uses (default 1; up to 10000, or null for any number until it expires). Returns {id, token, tenant_id, role, email, max_uses, expires_at}: the token is shown this once (only its SHA-256 is kept). Errors: 42501 not an owner or admin, 22004 missing role, 22023 invalid value.';

create or replace function public.revoke_invitation(p_invitation_id uuid)
returns public.tenant_invitations
language sql
volatile
security invoker
set search_path = ''
as $$
  select * from private.revoke_invitation(p_invitation_id)
$$;
comment on function public.revoke_invitation(uuid) is
  'Owners and admins revoke an invitation of their tenant (again: no change); returns it. Errors: 42501 not an owner or admin, 22004 missing id, TN002 no such invitation in your tenant.';

create or replace function public.accept_invitation(p_token text)
returns public.users
language sql
volatile
security invoker
set search_path = ''
as $$
  select * from private.accept_invitation(p_token)
$$;
comment on function public.accept_invitation(text) is
  'A signed-in account without a profile joins the tenant of the invitation with this token, in its role; returns the new profile (public.users: id, tenant_id, role, ...). Errors: 42501 not signed in, 22004 missing token, TN001 already a member (of this tenant or another), TN002 unknown token, TN003 expired, TN004 used up, TN005 revoked, TN006 invited email is not the caller''s.';

revoke all on function private.create_invitation(text, text, interval, integer) from public, anon;
revoke all on function private.revoke_invitation(uuid) from public, anon;
revoke all on function private.accept_invitation(text) from public, anon;
revoke all on function public.create_invitation(text, text, interval, integer) from public, anon, service_role;
revoke all on function public.revoke_invitation(uuid) from public, anon, service_role;
revoke all on function public.accept_invitation(text) from public, anon, service_role;
grant execute on function private.create_invitation(text, text, interval, integer) to authenticated;
grant execute on function private.revoke_invitation(uuid) to authenticated;
grant execute on function private.accept_invitation(text) to authenticated;
grant execute on function public.create_invitation(text, text, interval, integer) to authenticated;
grant execute on function public.revoke_invitation(uuid) to authenticated;
grant execute on function public.accept_invitation(text) to authenticated;

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger tenant_invitations_set_updated_at
  before update on public.tenant_invitations
  for each row execute function private.set_updated_at();

-- ============================================================================
-- RLS
-- ============================================================================
alter table public.tenant_invitations enable row level security;

create policy tenant_invitations_select on public.tenant_invitations
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()) and (select private.current_tenant_role()) in ('owner', 'admin'));
comment on policy tenant_invitations_select on public.tenant_invitations is
  'Owners and admins list their tenant''s invitations. Nobody but service_role writes directly (create_invitation, revoke_invitation and accept_invitation do).';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.tenant_invitations from anon, authenticated;
grant select on public.tenant_invitations to authenticated;
grant select, insert, update, delete on public.tenant_invitations to service_role;
