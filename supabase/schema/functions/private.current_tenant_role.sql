create or replace function private.current_tenant_role()
returns public.tenant_role
language sql
stable
security definer
set search_path = ''
as $$
  select u.role from public.users u where u.id = (select auth.uid())
$$;
