-- Plugin registry: the content sources the assistant can retrieve from, platform-wide.
-- config holds non-secret settings only: credentials go to Supabase Vault (vault.create_secret)
-- or to edge-function secrets (`supabase secrets set`), and config names them (for example
-- {"api_key_secret_name": "note_api_key"}: reference keys end in _secret_name or _ref); a check
-- refuses every other key that looks like a secret.
--
-- Who may do what: members read the registry; only service_role writes.

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.has_secret_like_keys(p_config jsonb)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select exists (
    select 1
    from jsonb_path_query(p_config, 'strict $.**') v
    cross join lateral jsonb_object_keys(case when jsonb_typeof(v) = 'object' then v else '{}'::jsonb end) k
    where k ~* '(secret|passw|token|api_?key|private_?key|credential)' and k !~* '_(secret_name|ref)$'
  )
$$;
comment on function private.has_secret_like_keys(jsonb) is
  'True when any key at any depth of a JSON value looks like a credential (secret, password, token, api_key, private_key, credential), except names of references, which end in _secret_name or _ref. Used to keep secrets out of plugin_registry.config.';
revoke all on function private.has_secret_like_keys(jsonb) from public;
grant execute on function private.has_secret_like_keys(jsonb) to authenticated, service_role;

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists public.plugin_registry (
  -- identity
  id uuid primary key default gen_random_uuid(),
  source text not null,
  -- payload
  name text not null,
  description text,
  capabilities jsonb not null default '[]'::jsonb,
  config jsonb not null default '{}'::jsonb,
  enabled boolean not null default true,
  health_status text not null default 'unknown',
  last_health_check timestamptz,
  version text,
  -- timestamps
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint plugin_registry_source_key unique (source),
  constraint plugin_registry_source_format check (source ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  constraint plugin_registry_name_length check (char_length(btrim(name)) between 1 and 200),
  constraint plugin_registry_description_length check (description is null or char_length(description) <= 2000),
  constraint plugin_registry_capabilities_shape check (jsonb_typeof(capabilities) = 'array'),
  constraint plugin_registry_config_object check (jsonb_typeof(config) = 'object'),
  constraint plugin_registry_config_no_secrets check (not private.has_secret_like_keys(config)),
  constraint plugin_registry_health_check check (health_status in ('healthy', 'degraded', 'unhealthy', 'unknown')),
  constraint plugin_registry_version_length check (version is null or char_length(version) between 1 and 50)
);
comment on table public.plugin_registry is 'Content-source plugins the assistant can retrieve from (platform-wide). Written by service_role.';
comment on column public.plugin_registry.id is 'Primary key.';
comment on column public.plugin_registry.source is 'Unique machine name of the source (for example note, local), lowercase.';
comment on column public.plugin_registry.name is 'Display name.';
comment on column public.plugin_registry.description is 'What the plugin provides, up to 2000 characters.';
comment on column public.plugin_registry.capabilities is 'JSON array of capabilities (for example ["search", "fetch"]).';
comment on column public.plugin_registry.config is 'Non-secret settings (JSON object). Secrets live in Supabase Vault or edge-function secrets and are referenced by name here (keys ending in _secret_name or _ref); other secret-like keys are refused.';
comment on column public.plugin_registry.enabled is 'Whether retrieval may use the plugin.';
comment on column public.plugin_registry.health_status is 'Result of the last health check: healthy, degraded, unhealthy or unknown.';
comment on column public.plugin_registry.last_health_check is 'When the health was last checked.';
comment on column public.plugin_registry.version is 'Plugin version.';
comment on column public.plugin_registry.created_at is 'When the plugin was registered.';
comment on column public.plugin_registry.updated_at is 'When it last changed (kept by trigger).';

insert into public.plugin_registry (name, source, description, capabilities, config, enabled, health_status, version) values
  ('Note.com Integration', 'note', 'Articles published on note.com by the tenant''s creators.', '["search", "fetch", "sync"]', '{"base_url": "https://note.com"}', true, 'unknown', '1.0.0'),
  ('Local Materials', 'local', 'The tenant''s own content library (public.materials).', '["search", "fetch"]', '{"table": "public.materials"}', true, 'healthy', '1.0.0')
on conflict (source) do nothing;

-- ============================================================================
-- INDEXES
-- ============================================================================
create index if not exists idx_plugin_enabled_healthy on public.plugin_registry (name) where enabled and health_status = 'healthy';

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger plugin_registry_set_updated_at
  before update on public.plugin_registry
  for each row execute function private.set_updated_at();

-- ============================================================================
-- RLS (drop-then-create keeps the migration re-runnable)
-- ============================================================================
alter table public.plugin_registry enable row level security;

drop policy if exists plugin_registry_select on public.plugin_registry;
create policy plugin_registry_select on public.plugin_registry
  for select to authenticated
  using ((select private.current_tenant_id()) is not null);
comment on policy plugin_registry_select on public.plugin_registry is 'Members of any tenant read the registry.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.plugin_registry from anon, authenticated;
grant select on public.plugin_registry to authenticated;
grant select, insert, update, delete on public.plugin_registry to service_role;
