-- Rollback of 20261201140000_convert_message_role_to_enum.sql: messages.role is text again with
-- its CHECK messages_role_check as 20261121150100 created it (every stored value fits), and the
-- enum is dropped.
alter table public.messages
  alter column role type text using role::text,
  add constraint messages_role_check check (role in ('user', 'assistant', 'system', 'tool'));

drop type if exists public.message_role;
