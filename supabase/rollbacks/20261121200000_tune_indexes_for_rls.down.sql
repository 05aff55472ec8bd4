-- Rollback of 20261121200000_tune_indexes_for_rls.sql: the indexes as 20261121170200 and 20261121170300 made them.
drop index if exists public.provenance_content_idx;
create index if not exists provenance_content_idx on public.provenance (content_type, content_id);

drop index if exists public.idx_ai_dialogue_user_created;
create index if not exists idx_ai_dialogue_user_created on public.ai_dialogue_log (user_id, created_at desc);
