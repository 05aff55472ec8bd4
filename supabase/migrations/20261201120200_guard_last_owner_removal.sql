-- A tenant keeps at least one owner when members are removed too (issue 17). Until now the rule
-- held for role changes only (private.guard_user_update): the users_delete policy lets owners
-- remove owners, so the last owner could remove themselves and leave a tenant nobody can manage,
-- which self-service tenancy (create_tenant, then remove yourself, then create another) makes an
-- everyday path. The guard applies to deletes by API roles; deletes that cascade from a tenant or
-- an account (which run as the table's owner) and service_role's are not refused.

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.guard_user_delete()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user in ('anon', 'authenticated') and old.role = 'owner' and not exists (
    select 1 from public.users u
    where u.tenant_id = old.tenant_id and u.role = 'owner' and u.id <> old.id
  ) then
    raise exception 'tenant % must keep at least one owner', old.tenant_id
      using errcode = '23514', hint = 'make another member an owner first';
  end if;
  return old;
end
$$;
comment on function private.guard_user_delete() is
  'Trigger: an API caller cannot remove the last owner of a tenant (cascades from a deleted tenant or account and service_role are not refused).';

revoke all on function private.guard_user_delete() from public;

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger users_guard_delete
  before delete on public.users
  for each row execute function private.guard_user_delete();
