-- Rollback of 20261201180200_keep_revoked_invitation_unchanged.sql: private.revoke_invitation as
-- 20261201140100 made it (revoking again rewrites the row).

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
