-- Materials: the tenant's content library that retrieval draws on (documents, notes, links).
--
-- Who may do what (authenticated):
--   select  members read their tenant's materials;
--   insert  members add materials to their tenant as themselves;
--   update  the author, or owners and admins of the tenant;
--   delete  the same.

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists public.materials (
  -- identity
  id uuid primary key default gen_random_uuid(),
  -- relationships
  tenant_id uuid not null default private.current_tenant_id() references public.tenants (id) on delete cascade,
  created_by uuid default auth.uid(),
  -- payload
  title text not null,
  body text,
  source_uri text,
  -- timestamps
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint materials_id_tenant_id_key unique (id, tenant_id),
  constraint materials_created_by_fkey foreign key (created_by, tenant_id)
    references public.users (id, tenant_id) on delete set null (created_by),
  constraint materials_title_length check (char_length(btrim(title)) between 1 and 300),
  constraint materials_body_or_source check (body is not null or source_uri is not null),
  constraint materials_body_length check (body is null or char_length(body) <= 1000000),
  constraint materials_source_uri_length check (source_uri is null or char_length(source_uri) between 1 and 2048)
);
comment on table public.materials is 'An item of a tenant''s content library, used for retrieval: its text, or where to find it.';
comment on column public.materials.id is 'Primary key; the content_id of its provenance record (content_type material).';
comment on column public.materials.tenant_id is 'Tenant that owns the material; defaults to the caller''s tenant.';
comment on column public.materials.created_by is 'User who added it (same tenant); null once that user is removed.';
comment on column public.materials.title is 'Title, 1-300 characters.';
comment on column public.materials.body is 'Full text (up to 1,000,000 characters), or null when only source_uri is known.';
comment on column public.materials.source_uri is 'Where the material comes from (URL or storage path), up to 2048 characters.';
comment on column public.materials.created_at is 'When the material was added.';
comment on column public.materials.updated_at is 'When it last changed (kept by trigger).';

-- ============================================================================
-- INDEXES
-- ============================================================================
create index if not exists materials_tenant_created_idx on public.materials (tenant_id, created_at desc);
create index if not exists materials_created_by_tenant_idx on public.materials (created_by, tenant_id);

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger materials_set_updated_at
  before update on public.materials
  for each row execute function private.set_updated_at();
create or replace trigger materials_keep_keys
  before update of tenant_id on public.materials
  for each row execute function private.prevent_key_change('tenant_id');

-- ============================================================================
-- RLS (drop-then-create keeps the migration re-runnable)
-- ============================================================================
alter table public.materials enable row level security;

drop policy if exists materials_select on public.materials;
create policy materials_select on public.materials
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()));
comment on policy materials_select on public.materials is 'Members read their tenant''s materials.';

drop policy if exists materials_insert on public.materials;
create policy materials_insert on public.materials
  for insert to authenticated
  with check (tenant_id = (select private.current_tenant_id()) and created_by = (select auth.uid()));
comment on policy materials_insert on public.materials is 'Members add materials to their own tenant, as themselves.';

drop policy if exists materials_update on public.materials;
create policy materials_update on public.materials
  for update to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (created_by = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  )
  with check (tenant_id = (select private.current_tenant_id()));
comment on policy materials_update on public.materials is 'Authors edit their materials; owners and admins any of the tenant''s.';

drop policy if exists materials_delete on public.materials;
create policy materials_delete on public.materials
  for delete to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (created_by = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  );
comment on policy materials_delete on public.materials is 'Authors delete their materials; owners and admins any of the tenant''s.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.materials from anon, authenticated;
grant select, delete on public.materials to authenticated;
grant insert (id, tenant_id, created_by, title, body, source_uri) on public.materials to authenticated;
grant update (title, body, source_uri) on public.materials to authenticated;
grant select, insert, update, delete on public.materials to service_role;
