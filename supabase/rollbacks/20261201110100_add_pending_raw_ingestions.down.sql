-- Rollback of 20261201110100_add_pending_raw_ingestions.sql: its callers query
-- public.raw_response_ingestions themselves again.
drop function if exists private.pending_raw_ingestions(integer);
