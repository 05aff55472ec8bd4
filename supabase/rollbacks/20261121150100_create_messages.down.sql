-- Rollback of 20261121150100_create_messages.sql.
drop table if exists public.messages;
drop function if exists private.touch_conversations_on_message();
