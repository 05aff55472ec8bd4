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
