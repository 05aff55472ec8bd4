-- Rollback of 20261121200000_reorder_provenance_content_index.sql.
drop index if exists public.provenance_content_idx;
create index if not exists provenance_content_idx on public.provenance (content_type, content_id);
