-- Rollback of 20261201090100_add_ingestion_claims.sql. Claims (receiving rows) are deleted first: they
-- hold no response data (the bytes were still being uploaded), the old checks refuse them, and the
-- caller's retry ingests the response again. Then the status and durability checks, the column
-- comments and the indexes are as 20261121180000 made them.
delete from public.raw_response_ingestions where status = 'receiving';

drop index if exists public.raw_response_ingestions_receiving_idx;

alter table public.raw_response_ingestions
  drop constraint if exists raw_response_ingestions_status_check,
  add constraint raw_response_ingestions_status_check
    check (status in ('storage_pending', 'raw_stored', 'completed', 'needs_review', 'failed')),
  drop constraint if exists raw_response_ingestions_durable,
  add constraint raw_response_ingestions_durable
    check (storage_path is not null or pending_raw_text is not null);

comment on column public.raw_response_ingestions.status is 'storage_pending, raw_stored, completed, needs_review or failed.';
comment on column public.raw_response_ingestions.storage_path is 'Object path in conversation-files once stored; null while storage_pending.';
comment on column public.raw_response_ingestions.updated_at is 'When the row last changed (kept by trigger).';
