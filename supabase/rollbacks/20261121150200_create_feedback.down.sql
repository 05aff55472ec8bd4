-- Rollback of 20261121150200_create_feedback.sql.
drop table if exists public.feedback;
