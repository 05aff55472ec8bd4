drop index if exists public.conversations_tenant_updated_idx;
