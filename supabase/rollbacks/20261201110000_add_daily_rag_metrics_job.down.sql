-- Rollback of 20261201110000_add_daily_rag_metrics_job.sql: the job's callers loop over the
-- tenants themselves again. The metrics it wrote stay (public.calculate_rag_metrics wrote them).
drop function if exists private.calculate_daily_rag_metrics(date, uuid);
