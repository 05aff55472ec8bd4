-- Rollback of 20261201120100_create_tenant_invitations.sql: removes the invitation RPCs and the
-- invitations table (pending invitations are lost; members who joined by invitation stay).
drop function if exists public.accept_invitation(text);
drop function if exists public.revoke_invitation(uuid);
drop function if exists public.create_invitation(text, text, interval, integer);
drop function if exists private.accept_invitation(text);
drop function if exists private.revoke_invitation(uuid);
drop function if exists private.create_invitation(text, text, interval, integer);
drop table if exists public.tenant_invitations;
drop type if exists public.created_invitation;
