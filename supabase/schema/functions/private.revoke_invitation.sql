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
  -- Only an invitation not revoked yet is written; revoking again returns it as it is (the first
  -- revocation time, and no new updated_at). A concurrent revocation that commits first makes the
  -- update find nothing, and the select below then reads its result.
  update public.tenant_invitations i
  set revoked_at = now()
  where i.id = p_invitation_id and i.tenant_id = v_tenant and i.revoked_at is null
  returning i.* into v_row;
  if not found then
    select i.* into v_row from public.tenant_invitations i where i.id = p_invitation_id and i.tenant_id = v_tenant;
    if not found then
      raise exception 'revoke_invitation: no invitation % in your tenant', p_invitation_id using errcode = 'TN002';
    end if;
  end if;
  return v_row;
end
$$;
