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
