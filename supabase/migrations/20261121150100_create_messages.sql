-- Messages: the turns of a conversation (user, assistant, system, tool), with token counts,
-- model and latency for metering and observability.
--
-- Who may do what (authenticated):
--   select  members read the messages of their tenant's conversations;
--   insert  into their own conversations (the assistant's turns too: ingest-response writes
--           them under the owner's identity);
--   update  content and metadata of messages in their own conversations; owners and admins
--           any in their tenant;
--   delete  the same.
-- A message's tenant is its conversation's tenant (composite foreign key). Inserting messages
-- bumps the conversation's last_message_at and updated_at to the newest message's created_at
-- (statement-level trigger, one update per conversation however many rows a statement inserts).

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists public.messages (
  -- identity
  id uuid primary key default gen_random_uuid(),
  -- relationships
  conversation_id uuid not null,
  tenant_id uuid not null default private.current_tenant_id(),
  -- payload
  role text not null,
  content text not null,
  input_tokens integer not null default 0,
  output_tokens integer not null default 0,
  model text,
  latency_ms integer,
  -- metadata
  metadata jsonb not null default '{}'::jsonb,
  -- timestamps
  created_at timestamptz not null default now(),
  constraint messages_id_tenant_id_key unique (id, tenant_id),
  constraint messages_conversation_fkey foreign key (conversation_id, tenant_id)
    references public.conversations (id, tenant_id) on delete cascade,
  constraint messages_role_check check (role in ('user', 'assistant', 'system', 'tool')),
  constraint messages_content_length check (char_length(content) <= 100000),
  constraint messages_tokens_nonnegative check (input_tokens >= 0 and output_tokens >= 0),
  constraint messages_model_length check (model is null or char_length(model) between 1 and 100),
  constraint messages_latency_nonnegative check (latency_ms is null or latency_ms >= 0),
  constraint messages_metadata_object check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 16384)
);
comment on table public.messages is 'One turn of a conversation: what the user, the assistant, the system prompt or a tool said.';
comment on column public.messages.id is 'Primary key.';
comment on column public.messages.conversation_id is 'The conversation this message belongs to; deleted with it.';
comment on column public.messages.tenant_id is 'Tenant of the message: always the conversation''s tenant (enforced by foreign key); defaults to the caller''s tenant.';
comment on column public.messages.role is 'Who speaks: user, assistant, system or tool.';
comment on column public.messages.content is 'The message text, up to 100,000 characters.';
comment on column public.messages.input_tokens is 'Prompt tokens the LLM call that produced this message consumed (0 for user turns).';
comment on column public.messages.output_tokens is 'Completion tokens the LLM produced for this message (0 for user turns).';
comment on column public.messages.model is 'LLM model that produced the message (assistant turns), up to 100 characters.';
comment on column public.messages.latency_ms is 'Milliseconds the LLM took to answer (assistant turns), or null.';
comment on column public.messages.metadata is 'Free-form JSON object (finish reason, tool call ids...), up to 16 KB.';
comment on column public.messages.created_at is 'When the message was written; orders a conversation.';

-- ============================================================================
-- INDEXES
-- ============================================================================
-- A conversation's messages in order (RLS adds tenant_id = the caller's tenant), and the
-- foreign key to conversations.
create index if not exists messages_conversation_created_idx on public.messages (conversation_id, tenant_id, created_at);
-- A tenant's recent messages (observability, metering back-fills).
create index if not exists messages_tenant_created_idx on public.messages (tenant_id, created_at desc);

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.touch_conversations_on_message()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- One update per conversation, in id order so concurrent statements lock alike.
  update public.conversations c
     set last_message_at = greatest(coalesce(c.last_message_at, n.newest), n.newest),
         updated_at = greatest(c.updated_at, n.newest)
    from (
      select conversation_id, max(created_at) as newest
      from inserted
      group by conversation_id
      order by conversation_id
    ) n
   where c.id = n.conversation_id;
  return null;
end
$$;
comment on function private.touch_conversations_on_message() is
  'Statement trigger on messages: moves each touched conversation''s last_message_at and updated_at up to its newest message''s created_at (now() for live messages). SECURITY DEFINER because clients may not write those columns.';
revoke all on function private.touch_conversations_on_message() from public;

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger messages_touch_conversation
  after insert on public.messages
  referencing new table as inserted
  for each statement execute function private.touch_conversations_on_message();
create or replace trigger messages_keep_keys
  before update of conversation_id, tenant_id on public.messages
  for each row execute function private.prevent_key_change('conversation_id', 'tenant_id');

-- ============================================================================
-- RLS
-- ============================================================================
alter table public.messages enable row level security;

create policy messages_select on public.messages
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()));
comment on policy messages_select on public.messages is 'Members read the messages of their tenant''s conversations.';

create policy messages_insert on public.messages
  for insert to authenticated
  with check (
    tenant_id = (select private.current_tenant_id())
    and exists (
      select 1 from public.conversations c
      where c.id = conversation_id and c.user_id = (select auth.uid())
    )
  );
comment on policy messages_insert on public.messages is 'Users add messages only to their own conversations.';

create policy messages_update on public.messages
  for update to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (
      (select private.current_tenant_role()) in ('owner', 'admin')
      or exists (select 1 from public.conversations c where c.id = conversation_id and c.user_id = (select auth.uid()))
    )
  )
  with check (tenant_id = (select private.current_tenant_id()));
comment on policy messages_update on public.messages is 'Users edit messages of their own conversations; owners and admins any in their tenant.';

create policy messages_delete on public.messages
  for delete to authenticated
  using (
    tenant_id = (select private.current_tenant_id())
    and (
      (select private.current_tenant_role()) in ('owner', 'admin')
      or exists (select 1 from public.conversations c where c.id = conversation_id and c.user_id = (select auth.uid()))
    )
  );
comment on policy messages_delete on public.messages is 'Users delete messages of their own conversations; owners and admins any in their tenant.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.messages from anon, authenticated;
grant select, delete on public.messages to authenticated;
grant insert (id, conversation_id, tenant_id, role, content, input_tokens, output_tokens, model, latency_ms, metadata)
  on public.messages to authenticated;
grant update (content, metadata) on public.messages to authenticated;
grant select, insert, update, delete on public.messages to service_role;
