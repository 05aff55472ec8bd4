-- Conversations: a user's chat thread with the assistant, inside their tenant.
--
-- Who may do what (authenticated):
--   select  members read every conversation of their tenant (a shared workspace);
--   insert  only in their own tenant and as themselves (tenant_id and user_id default to the caller);
--   update  their own conversations; owners and admins any in their tenant;
--   delete  the same.
-- A conversation's owner must be a user of the same tenant (composite foreign key), and an
-- update can never move it to another tenant or owner (no column grant, and a trigger for
-- service_role too). last_message_at is kept by the messages trigger, not by clients.

-- ============================================================================
-- TABLE
-- ============================================================================
-- Lets child tables prove, by foreign key, that their user belongs to the same tenant.
alter table public.users add constraint users_id_tenant_id_key unique (id, tenant_id);

create table if not exists public.conversations (
  -- identity
  id uuid primary key default gen_random_uuid(),
  -- relationships
  tenant_id uuid not null default private.current_tenant_id() references public.tenants (id) on delete cascade,
  user_id uuid not null default auth.uid(),
  -- payload
  title text,
  model text,
  is_archived boolean not null default false,
  -- metadata
  metadata jsonb not null default '{}'::jsonb,
  last_message_at timestamptz,
  -- timestamps
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint conversations_id_tenant_id_key unique (id, tenant_id),
  constraint conversations_user_fkey foreign key (user_id, tenant_id)
    references public.users (id, tenant_id) on delete cascade,
  constraint conversations_title_length check (title is null or char_length(btrim(title)) between 1 and 200),
  constraint conversations_model_length check (model is null or char_length(model) between 1 and 100),
  constraint conversations_metadata_object check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 16384)
);
comment on table public.conversations is 'A chat thread between a user and the assistant, owned by one user of one tenant.';
comment on column public.conversations.id is 'Primary key.';
comment on column public.conversations.tenant_id is 'Tenant the conversation belongs to; defaults to the caller''s tenant. Never changes.';
comment on column public.conversations.user_id is 'The user who owns the conversation (same tenant, enforced by foreign key); defaults to the caller. Never changes.';
comment on column public.conversations.title is 'Title shown in the conversation list, 1-200 characters, or null until one is chosen.';
comment on column public.conversations.model is 'LLM model the conversation uses by default (for example gpt-4o), up to 100 characters.';
comment on column public.conversations.is_archived is 'Archived conversations are hidden from the default list.';
comment on column public.conversations.metadata is 'Free-form JSON object for the client (up to 16 KB).';
comment on column public.conversations.last_message_at is 'created_at of the newest message; kept by the messages trigger.';
comment on column public.conversations.created_at is 'When the conversation was created.';
comment on column public.conversations.updated_at is 'When the row or its messages last changed (kept by triggers).';

-- ============================================================================
-- INDEXES
-- ============================================================================
-- The conversation list: a tenant's active (or archived) conversations, most recent first.
create index if not exists conversations_tenant_archived_updated_idx
  on public.conversations (tenant_id, is_archived, updated_at desc);
-- "My conversations", and the foreign key to users.
create index if not exists conversations_user_tenant_updated_idx
  on public.conversations (user_id, tenant_id, updated_at desc);

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.prevent_key_change()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  col text;
begin
  foreach col in array tg_argv loop
    if (to_jsonb(new) -> col) is distinct from (to_jsonb(old) -> col) then
      raise exception '%.% cannot change once set', tg_table_name, col
        using errcode = '42501',
              hint = 'a row never moves to another tenant, owner or parent; create a new row instead';
    end if;
  end loop;
  return new;
end
$$;
comment on function private.prevent_key_change() is
  'Trigger (BEFORE UPDATE, FOR EACH ROW): refuses, for every role, an update that changes any of the columns named as trigger arguments.';
revoke all on function private.prevent_key_change() from public;

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger conversations_keep_keys
  before update of tenant_id, user_id on public.conversations
  for each row execute function private.prevent_key_change('tenant_id', 'user_id');
create or replace trigger conversations_set_updated_at
  before update on public.conversations
  for each row execute function private.set_updated_at();

-- ============================================================================
-- RLS
-- ============================================================================
alter table public.conversations enable row level security;

create policy conversations_select on public.conversations
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()));
comment on policy conversations_select on public.conversations is 'Members read every conversation of their tenant.';

create policy conversations_insert on public.conversations
  for insert to authenticated
  with check (tenant_id = (select private.current_tenant_id()) and user_id = (select auth.uid()));
comment on policy conversations_insert on public.conversations is 'Users create conversations only in their own tenant and as themselves.';

create policy conversations_update on public.conversations
  for update to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (user_id = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  )
  with check (tenant_id = (select private.current_tenant_id()));
comment on policy conversations_update on public.conversations is 'Users update their own conversations; owners and admins any in their tenant.';

create policy conversations_delete on public.conversations
  for delete to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (user_id = (select auth.uid()) or (select private.current_tenant_role()) in ('owner', 'admin'))
  );
comment on policy conversations_delete on public.conversations is 'Users delete their own conversations; owners and admins any in their tenant.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.conversations from anon, authenticated;
grant select, delete on public.conversations to authenticated;
grant insert (id, tenant_id, user_id, title, model, is_archived, metadata) on public.conversations to authenticated;
grant update (title, model, is_archived, metadata) on public.conversations to authenticated;
grant select, insert, update, delete on public.conversations to service_role;
