-- Rollback of 20261121150300_create_usage_metrics.sql.
drop view if exists public.current_day_usage;
drop function if exists public.increment_usage_metrics(uuid, uuid, date, integer, integer, numeric);
drop table if exists public.usage_metrics;
