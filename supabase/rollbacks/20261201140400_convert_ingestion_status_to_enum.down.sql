-- Rollback of 20261201140400_convert_ingestion_status_to_enum.sql: raw_response_ingestions.status is
-- text again with raw_response_ingestions_status_check, and the durability check and the partial
-- indexes are as 20261121180000 and 20261201090100 made them; the enum is dropped.
drop index if exists public.raw_response_ingestions_pending_idx;
drop index if exists public.raw_response_ingestions_receiving_idx;

alter table public.raw_response_ingestions
  drop constraint if exists raw_response_ingestions_durable,
  alter column status type text using status::text,
  add constraint raw_response_ingestions_status_check
    check (status in ('receiving', 'storage_pending', 'raw_stored', 'completed', 'needs_review', 'failed')),
  add constraint raw_response_ingestions_durable
    check (status = 'receiving' or storage_path is not null or pending_raw_text is not null);
comment on constraint raw_response_ingestions_status_check on public.raw_response_ingestions is
  'receiving, storage_pending, raw_stored, completed, needs_review or failed.';
comment on constraint raw_response_ingestions_durable on public.raw_response_ingestions is
  'Past receiving, the bytes are somewhere: in storage (storage_path) or kept in the row (pending_raw_text).';

create index if not exists raw_response_ingestions_pending_idx
  on public.raw_response_ingestions (created_at) where status = 'storage_pending';
create index if not exists raw_response_ingestions_receiving_idx
  on public.raw_response_ingestions (updated_at) where status = 'receiving';
comment on index public.raw_response_ingestions_receiving_idx is
  'Finds stale claims: receiving rows by heartbeat (updated_at older than a minute may be taken over).';

drop type if exists public.ingestion_status;
