-- Rollback of 20261121170200_create_ai_dialogue_log.sql.
drop table if exists public.ai_dialogue_log;
drop function if exists private.citations_are_valid(jsonb);
