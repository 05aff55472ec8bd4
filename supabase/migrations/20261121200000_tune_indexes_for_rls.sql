-- Tuning (measured with npm run bench, docs/performance.md): two of the checklist queries planned
-- badly for a tenant user under RLS, where the policy adds tenant_id = (select the caller's tenant).
--
-- 1. A tenant user's provenance lookup by content id scanned the tenant's whole slice: quals on the
--    enum content_type are not leakproof, so the planner may not apply them below the policy, and an
--    index led by content_type was unusable; uuid equality is leakproof. Lead with content_id.
-- 2. A user's recent dialogues combined the user and tenant indexes (BitmapAnd + sort, 7 ms at 100k
--    dialogues). With tenant_id after user_id the index answers user + tenant in created_at order
--    (0.3 ms), and it now covers the fk_ai_dialogue_user foreign key (user_id, tenant_id) exactly.

-- ============================================================================
-- INDEXES
-- ============================================================================
drop index if exists public.provenance_content_idx;
create index if not exists provenance_content_idx on public.provenance (content_id, content_type);

drop index if exists public.idx_ai_dialogue_user_created;
create index if not exists idx_ai_dialogue_user_created on public.ai_dialogue_log (user_id, tenant_id, created_at desc);
