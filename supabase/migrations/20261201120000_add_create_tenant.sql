-- Self-service tenancy, part 1: a signed-in account without a profile creates its tenant and
-- becomes its owner (issue 17). Profiles are still one per account (public.users.id is the
-- account's id); sign-up itself touches nothing here.
--
-- Decision: profiles are created by RPCs (create_tenant here, accept_invitation in the next
-- migration), never by a trigger on auth.users. A trigger runs inside Auth's own transaction: any
-- error it raises (a taken slug, a bad invitation token) rolls the sign-up back and reaches the
-- client only as GoTrue's 500 "Database error saving new user", with no SQLSTATE and no message.
-- At sign-up the email is also not confirmed yet, so an email-bound invitation could not be
-- checked safely there. After sign-up the account holds a session, and the RPCs answer through
-- the Data API with their own SQLSTATE and message; they work the same with hosted Auth,
-- `supabase start`, the local Auth stand-in, OAuth and admin-created accounts.
--
-- Errors of create_tenant: 42501 not signed in (or the account is gone), 22004 missing
-- argument, TN001 the account already has a profile, 23514 slug or name refused by the tenants
-- table's checks, 23505 slug taken. The TN class (tenancy onboarding) is this project's own;
-- PostgREST answers it with HTTP 400 and the code in the body.

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.create_caller_profile(p_tenant_id uuid, p_role text, p_caller text)
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
comment on function private.create_caller_profile(uuid, text, text) is
  'Internal to create_tenant and accept_invitation (runs as their owner): inserts the calling account''s profile in a tenant with its email and sign-up display name; TN001 when the account already has one (also when a concurrent call won).';

create or replace function private.create_tenant(p_name text, p_slug text)
returns public.tenants
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_existing uuid;
  v_constraint text;
  v_tenant public.tenants;
begin
  if v_uid is null then
    raise exception 'create_tenant: sign in first' using errcode = '42501';
  end if;
  if p_name is null or p_slug is null then
    raise exception 'create_tenant: name and slug are required' using errcode = '22004';
  end if;
  select u.tenant_id into v_existing from public.users u where u.id = v_uid;
  if found then
    raise exception 'create_tenant: your account already belongs to tenant %', v_existing
      using errcode = 'TN001', hint = 'an account has one profile in one tenant: ask an owner or admin to remove you from it first';
  end if;

  begin
    insert into public.tenants (name, slug) values (p_name, p_slug) returning * into v_tenant;
  exception
    when unique_violation then
      raise exception 'create_tenant: the slug "%" is taken', p_slug
        using errcode = '23505', hint = 'choose another slug';
    when check_violation then
      get stacked diagnostics v_constraint = constraint_name;
      if v_constraint = 'tenants_slug_format' then
        raise exception 'create_tenant: the slug "%" is not valid', left(p_slug, 100)
          using errcode = '23514', hint = '1-63 lowercase letters, digits and inner hyphens, for example acme-support';
      elsif v_constraint = 'tenants_name_length' then
        raise exception 'create_tenant: the name must be 1-200 characters and not only spaces'
          using errcode = '23514';
      end if;
      raise;
  end;

  perform private.create_caller_profile(v_tenant.id, 'owner', 'create_tenant');
  return v_tenant;
end
$$;
comment on function private.create_tenant(text, text) is
  'SECURITY DEFINER body of public.create_tenant: creates a tenant with the tenants table''s checks and makes the calling account (without a profile) its owner.';

create or replace function public.create_tenant(p_name text, p_slug text)
returns public.tenants
language sql
volatile
security invoker
set search_path = ''
as $$
  select * from private.create_tenant(p_name, p_slug)
$$;
comment on function public.create_tenant(text, text) is
  'Creates a tenant (p_name 1-200 characters, p_slug 1-63 lowercase letters, digits and inner hyphens, unique) and makes the caller its owner; returns the tenant. For a signed-in account without a profile. Errors: 42501 not signed in, 22004 missing argument, TN001 the account already belongs to a tenant, 23514 invalid slug or name, 23505 slug taken.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on function private.create_caller_profile(uuid, text, text) from public, anon, authenticated, service_role;
revoke all on function private.create_tenant(text, text) from public, anon;
revoke all on function public.create_tenant(text, text) from public, anon, service_role;
grant execute on function private.create_tenant(text, text) to authenticated;
grant execute on function public.create_tenant(text, text) to authenticated;
