-- Rollback of 20261121160000_create_user_behaviors.sql: drops the RPC, its body and the table.
drop function if exists public.atomic_update_user_behavior(uuid, text, text, text, jsonb);
drop function if exists private.record_user_behavior_violation(uuid, text, text, text, jsonb);
drop table if exists public.user_behaviors;
