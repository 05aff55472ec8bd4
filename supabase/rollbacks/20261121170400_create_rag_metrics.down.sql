-- Rollback of 20261121170400_create_rag_metrics.sql.
drop function if exists public.calculate_rag_metrics(date, uuid);
drop table if exists public.rag_metrics_history;
drop table if exists public.rag_slo_targets;
