-- Raw ingestions are read as their objects are: until now every member of a tenant could read every
-- row of raw_response_ingestions, including pending_raw_text (the raw LLM text kept while storage is
-- down) and result, while the raw objects in conversation-files are readable only by the user whose
-- folder holds them. Now a row is visible to its owner (user_id, within their tenant) and, for
-- review, to the tenant's owners and admins; other members, other tenants and anon see nothing.
-- Writes stay with service_role (ingest-response, the pending-upload job): no write policy, no grant.

-- ============================================================================
-- TABLE CHANGES
-- ============================================================================
comment on table public.raw_response_ingestions is 'One ingested raw LLM response: where its bytes are (or the text itself while storage is unavailable), whether its usage was counted, and the answer given, so a retry returns the same result. Readable by the row''s owner and the tenant''s owners/admins, like the raw objects; written only by service_role.';

-- ============================================================================
-- RLS
-- ============================================================================
drop policy if exists raw_response_ingestions_select on public.raw_response_ingestions;
create policy raw_response_ingestions_select on public.raw_response_ingestions
  for select to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (user_id = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  );
comment on policy raw_response_ingestions_select on public.raw_response_ingestions is 'Users read the ingestions of their own conversations; owners and admins their tenant''s (for review). Other members see none. Only service_role (ingest-response) writes.';
