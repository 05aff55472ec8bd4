-- Rollback of 20261201090000_restrict_raw_ingestion_reads.sql: every member of the tenant reads every
-- ingestion again, with the table and policy comments as 20261121180000 made them.
comment on table public.raw_response_ingestions is 'One ingested raw LLM response: where its bytes are (or the text itself while storage is unavailable), whether its usage was counted, and the answer given, so a retry returns the same result.';

drop policy if exists raw_response_ingestions_select on public.raw_response_ingestions;
create policy raw_response_ingestions_select on public.raw_response_ingestions
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()));
comment on policy raw_response_ingestions_select on public.raw_response_ingestions is 'Members read their tenant''s ingestions; only service_role (ingest-response) writes.';
