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
