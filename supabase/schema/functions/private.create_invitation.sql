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
  v_expires_at timestamptz;
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
  -- The expiry itself is checked, not the interval: interval comparison counts a month as 30 days,
  -- but now() + '1 mon' may be 31 days ahead. An interval past the last timestamp overflows (22008):
  -- refused like any other out of the range.
  begin
    v_expires_at := now() + v_expires_in;
  exception when datetime_field_overflow then
    v_expires_at := null;
  end;
  if v_expires_at is null or v_expires_at < now() + interval '5 minutes' or v_expires_at > now() + interval '30 days' then
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
  values (v_tenant, v_uid, extensions.digest(v_result.token, 'sha256'), p_role, v_email, p_max_uses, v_expires_at)
  returning i.id, i.tenant_id, i.role, i.email, i.max_uses, i.expires_at
  into v_result.id, v_result.tenant_id, v_result.role, v_result.email, v_result.max_uses, v_result.expires_at;
  return v_result;
end
$$;
