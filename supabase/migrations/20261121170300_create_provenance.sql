-- Provenance: where every piece of content comes from, under which licence, for how long it may
-- be kept, and its C2PA hash.
--
-- content_id is polymorphic (content_type says which kind of content it points at), so no single
-- foreign key can express it: one to materials would reject every AI response. Instead triggers
-- keep it honest for the kinds that have tables here: a content_id must exist in the same tenant
-- (material -> materials, ai_response -> ai_dialogue_log), and deleting the content deletes its
-- provenance, so no orphans either way. Other kinds (note_article, creation_log, generated) live
-- outside this database and are taken as given.
--
-- Who may do what (authenticated):
--   select  members read their tenant's provenance;
--   insert  members record provenance in their tenant (acquired_by defaults to themselves);
--   update, delete  owners and admins of the tenant; service_role anything.

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists public.provenance (
  -- identity
  id uuid primary key default gen_random_uuid(),
  -- relationships
  tenant_id uuid not null default private.current_tenant_id() references public.tenants (id) on delete cascade,
  content_id uuid not null,
  content_type public.content_type not null,
  acquired_by uuid default auth.uid(),
  -- payload
  source_uri text,
  license_type public.license_type not null default 'unknown',
  acquisition_method public.acquisition_method not null,
  acquired_at timestamptz not null default now(),
  rights_holder text,
  attribution_text text,
  retention_years integer,
  expires_at timestamptz generated always as (
    case when retention_years is null then null
         else (acquired_at at time zone 'UTC' + make_interval(years => retention_years)) at time zone 'UTC' end
  ) stored,
  hash_c2pa text,
  -- timestamps
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint fk_provenance_acquired_by foreign key (acquired_by, tenant_id)
    references public.users (id, tenant_id) on delete set null (acquired_by),
  constraint provenance_source_uri_length check (source_uri is null or char_length(source_uri) between 1 and 2048),
  constraint provenance_rights_holder_length check (rights_holder is null or char_length(rights_holder) between 1 and 500),
  constraint provenance_attribution_length check (attribution_text is null or char_length(attribution_text) between 1 and 2000),
  constraint provenance_retention_range check (retention_years is null or retention_years between 1 and 100),
  constraint provenance_hash_c2pa_format check (hash_c2pa is null or hash_c2pa ~ '^[0-9a-f]{64}$'),
  constraint provenance_attribution_required check (
    license_type not in ('cc_by', 'cc_by_sa', 'cc_by_nc', 'cc_by_nc_sa', 'cc_by_nd', 'cc_by_nc_nd')
    or attribution_text is not null or rights_holder is not null)
);
comment on table public.provenance is 'Origin, licence and retention of one piece of content (polymorphic: content_type + content_id).';
comment on column public.provenance.id is 'Primary key.';
comment on column public.provenance.tenant_id is 'Tenant that holds the content; defaults to the caller''s tenant.';
comment on column public.provenance.content_id is 'Id of the content. For material and ai_response it must exist in materials / ai_dialogue_log of the same tenant (trigger); no foreign key, because the target table depends on content_type.';
comment on column public.provenance.content_type is 'Kind of content: material, ai_response, note_article, creation_log or generated.';
comment on column public.provenance.acquired_by is 'User who acquired or registered the content (same tenant, foreign key fk_provenance_acquired_by); null once that user is removed.';
comment on column public.provenance.source_uri is 'Where the content came from (URL, API endpoint, dataset id), up to 2048 characters.';
comment on column public.provenance.license_type is 'Licence of the content; unknown until determined (unknown content must not be cited).';
comment on column public.provenance.acquisition_method is 'How the content was obtained.';
comment on column public.provenance.acquired_at is 'When the content was obtained.';
comment on column public.provenance.rights_holder is 'Who holds the rights (author, publisher, partner).';
comment on column public.provenance.attribution_text is 'Attribution to show with the content; required (or rights_holder) for Creative Commons BY licences.';
comment on column public.provenance.retention_years is 'How many years the content may be kept (1-100), or null for no limit.';
comment on column public.provenance.expires_at is 'acquired_at + retention_years (UTC calendar), generated; null without a retention limit.';
comment on column public.provenance.hash_c2pa is 'SHA-256 (64 lowercase hex digits) of the content''s C2PA manifest, when it has one.';
comment on column public.provenance.created_at is 'When the record was created.';
comment on column public.provenance.updated_at is 'When the record last changed (kept by trigger).';

-- ============================================================================
-- INDEXES
-- ============================================================================
-- Retention sweeps: what expires soon.
create index if not exists idx_provenance_expiring on public.provenance (expires_at) where expires_at is not null;
-- The provenance of a given piece of content (and the triggers' cleanup).
create index if not exists provenance_content_idx on public.provenance (content_type, content_id);
-- A tenant's content by licence (licensed-material lookups).
create index if not exists provenance_tenant_license_idx on public.provenance (tenant_id, content_type, license_type);
create index if not exists provenance_acquired_by_idx on public.provenance (acquired_by, tenant_id) where acquired_by is not null;

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.check_provenance_content()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.content_type = 'material' then
    if not exists (select 1 from public.materials m where m.id = new.content_id and m.tenant_id = new.tenant_id) then
      raise exception 'provenance: no material % in tenant %', new.content_id, new.tenant_id
        using errcode = '23503', hint = 'create the material first; provenance never points at missing content';
    end if;
  elsif new.content_type = 'ai_response' then
    if not exists (select 1 from public.ai_dialogue_log d where d.id = new.content_id and d.tenant_id = new.tenant_id) then
      raise exception 'provenance: no ai_dialogue_log entry % in tenant %', new.content_id, new.tenant_id
        using errcode = '23503', hint = 'log the answer first; provenance never points at missing content';
    end if;
  end if;
  return new;
end
$$;
comment on function private.check_provenance_content() is
  'Trigger on provenance: a material or ai_response content_id must exist in materials / ai_dialogue_log of the same tenant (23503 otherwise). SECURITY DEFINER so the check does not depend on what the caller may read.';

create or replace function private.delete_content_provenance()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.provenance p
  where p.content_type = tg_argv[0]::public.content_type
    and p.content_id in (select d.id from deleted d);
  return null;
end
$$;
comment on function private.delete_content_provenance() is
  'Statement trigger on materials and ai_dialogue_log (argument: the content_type): deletes the provenance of deleted rows, so none is left orphaned.';

revoke all on function private.check_provenance_content() from public;
revoke all on function private.delete_content_provenance() from public;

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger provenance_check_content
  before insert or update of content_id, content_type, tenant_id on public.provenance
  for each row execute function private.check_provenance_content();
create or replace trigger provenance_set_updated_at
  before update on public.provenance
  for each row execute function private.set_updated_at();
create or replace trigger provenance_keep_keys
  before update of tenant_id on public.provenance
  for each row execute function private.prevent_key_change('tenant_id');
create or replace trigger materials_delete_provenance
  after delete on public.materials
  referencing old table as deleted
  for each statement execute function private.delete_content_provenance('material');
create or replace trigger ai_dialogue_log_delete_provenance
  after delete on public.ai_dialogue_log
  referencing old table as deleted
  for each statement execute function private.delete_content_provenance('ai_response');

-- ============================================================================
-- RLS (drop-then-create keeps the migration re-runnable)
-- ============================================================================
alter table public.provenance enable row level security;

drop policy if exists provenance_select on public.provenance;
create policy provenance_select on public.provenance
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()));
comment on policy provenance_select on public.provenance is 'Members read their tenant''s provenance.';

drop policy if exists provenance_insert on public.provenance;
create policy provenance_insert on public.provenance
  for insert to authenticated
  with check (
    tenant_id = (select private.current_tenant_id())
    and (acquired_by is null or acquired_by = (select auth.uid()))
  );
comment on policy provenance_insert on public.provenance is 'Members record provenance in their tenant, as the acquirer themselves (or none).';

drop policy if exists provenance_update on public.provenance;
create policy provenance_update on public.provenance
  for update to authenticated
  using (tenant_id = (select private.current_tenant_id()) and (select private.current_tenant_role()) in ('owner', 'admin'))
  with check (tenant_id = (select private.current_tenant_id()));
comment on policy provenance_update on public.provenance is 'Owners and admins correct their tenant''s provenance.';

drop policy if exists provenance_delete on public.provenance;
create policy provenance_delete on public.provenance
  for delete to authenticated
  using (tenant_id = (select private.current_tenant_id()) and (select private.current_tenant_role()) in ('owner', 'admin'));
comment on policy provenance_delete on public.provenance is 'Owners and admins delete their tenant''s provenance.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.provenance from anon, authenticated;
grant select, delete on public.provenance to authenticated;
grant insert (id, tenant_id, content_id, content_type, acquired_by, source_uri, license_type, acquisition_method, acquired_at,
              rights_holder, attribution_text, retention_years, hash_c2pa)
  on public.provenance to authenticated;
grant update (content_id, content_type, source_uri, license_type, acquisition_method, acquired_at, rights_holder,
              attribution_text, retention_years, hash_c2pa)
  on public.provenance to authenticated;
grant select, insert, update, delete on public.provenance to service_role;
