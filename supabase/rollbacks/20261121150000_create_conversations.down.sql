-- Rollback of 20261121150000_create_conversations.sql.
drop table if exists public.conversations;
drop function if exists private.prevent_key_change();
alter table public.users drop constraint if exists users_id_tenant_id_key;
