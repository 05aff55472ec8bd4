-- The conversation list as frontends ask for it through the Data API, archived or not:
-- from('conversations').select('id,title,messages(...)').order('updated_at', {ascending: false}).limit(20).
-- RLS narrows it to the caller's tenant; without an index in (tenant_id, updated_at desc) order the
-- planner aggregates every conversation of the tenant before it sorts and cuts to 20 (about 1.5 s
-- at the bench's large scale; docs/performance.md, "Data API"). With it, it reads 20 index entries.
create index if not exists conversations_tenant_updated_idx
  on public.conversations (tenant_id, updated_at desc);
