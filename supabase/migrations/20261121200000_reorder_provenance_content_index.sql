-- Tuning (measured with npm run bench): a tenant user's provenance lookup by content id scanned the
-- tenant's whole slice under RLS. Quals on the enum content_type are not leakproof, so the planner
-- may not apply them below the policy, and an index led by content_type was unusable; equality on
-- uuid is leakproof. Lead the index with content_id.

-- ============================================================================
-- INDEXES
-- ============================================================================
drop index if exists public.provenance_content_idx;
create index if not exists provenance_content_idx on public.provenance (content_id, content_type);
