-- Rollback of 20261121150400_create_summaries.sql.
drop function if exists private.refresh_summaries();
drop function if exists public.get_monthly_usage_summary(date, date);
drop function if exists public.get_message_feedback_summary(uuid[]);
drop function if exists private.monthly_usage_summary_for_caller(date, date);
drop function if exists private.message_feedback_summary_for_caller(uuid[]);
drop materialized view if exists private.monthly_usage_summary;
drop materialized view if exists private.message_feedback_summary;
