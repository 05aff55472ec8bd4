-- Feedback: a user's thumbs up or down (and optional comment) on a message.
--
-- Rating scale (decision): -1 = thumbs down, +1 = thumbs up. Binary ratings are what chat
-- frontends collect, aggregate without scale bias, and map directly to up/down counts.
--
-- Who may do what (authenticated):
--   select  members read their tenant's feedback;
--   insert  their own feedback, on messages they can see, in their own tenant;
--   update  their own feedback (a change of mind replaces the rating);
--   delete  their own feedback.
-- One row per (message, user). The message and the user are in the feedback's tenant
-- (composite foreign keys).

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists public.feedback (
  -- identity
  id uuid primary key default gen_random_uuid(),
  -- relationships
  message_id uuid not null,
  tenant_id uuid not null default private.current_tenant_id(),
  user_id uuid not null default auth.uid(),
  -- payload
  rating smallint not null,
  comment text,
  -- timestamps
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint feedback_message_user_key unique (message_id, user_id),
  constraint feedback_message_fkey foreign key (message_id, tenant_id)
    references public.messages (id, tenant_id) on delete cascade,
  constraint feedback_user_fkey foreign key (user_id, tenant_id)
    references public.users (id, tenant_id) on delete cascade,
  constraint feedback_rating_check check (rating in (-1, 1)),
  constraint feedback_comment_length check (comment is null or char_length(comment) <= 2000)
);
comment on table public.feedback is 'A user''s rating of one message; one row per (message, user).';
comment on column public.feedback.id is 'Primary key.';
comment on column public.feedback.message_id is 'The rated message (same tenant, enforced by foreign key); feedback is deleted with it.';
comment on column public.feedback.tenant_id is 'Tenant of the message and the user; defaults to the caller''s tenant.';
comment on column public.feedback.user_id is 'Who rated; defaults to the caller. Never changes.';
comment on column public.feedback.rating is 'Thumbs: -1 = down (unhelpful), +1 = up (helpful). No other values.';
comment on column public.feedback.comment is 'Optional free-text reason, up to 2,000 characters.';
comment on column public.feedback.created_at is 'When the feedback was first given.';
comment on column public.feedback.updated_at is 'When the rating or comment last changed (kept by trigger).';

-- ============================================================================
-- INDEXES
-- ============================================================================
-- Lookups by message (the summary, cascades from messages) use the unique (message_id, user_id)
-- index; the advisors' INFO that the (message_id, tenant_id) foreign key has no exactly covering
-- index is accepted rather than paying a second index on every write.
-- A user's feedback, and the foreign key to users.
create index if not exists feedback_user_tenant_idx on public.feedback (user_id, tenant_id);
-- A tenant's recent feedback (quality dashboards).
create index if not exists feedback_tenant_created_idx on public.feedback (tenant_id, created_at desc);

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger feedback_keep_keys
  before update of message_id, tenant_id, user_id on public.feedback
  for each row execute function private.prevent_key_change('message_id', 'tenant_id', 'user_id');
create or replace trigger feedback_set_updated_at
  before update on public.feedback
  for each row execute function private.set_updated_at();

-- ============================================================================
-- RLS
-- ============================================================================
alter table public.feedback enable row level security;

create policy feedback_select on public.feedback
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()));
comment on policy feedback_select on public.feedback is 'Members read their tenant''s feedback.';

create policy feedback_insert on public.feedback
  for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and tenant_id = (select private.current_tenant_id())
    and exists (select 1 from public.messages m where m.id = message_id)
  );
comment on policy feedback_insert on public.feedback is 'Users give feedback as themselves, in their tenant, on messages they can see.';

create policy feedback_update on public.feedback
  for update to authenticated
  using (user_id = (select auth.uid()) and tenant_id = (select private.current_tenant_id()))
  with check (user_id = (select auth.uid()) and tenant_id = (select private.current_tenant_id()));
comment on policy feedback_update on public.feedback is 'Users change only their own feedback.';

create policy feedback_delete on public.feedback
  for delete to authenticated
  using (user_id = (select auth.uid()) and tenant_id = (select private.current_tenant_id()));
comment on policy feedback_delete on public.feedback is 'Users withdraw only their own feedback.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.feedback from anon, authenticated;
grant select, delete on public.feedback to authenticated;
grant insert (id, message_id, tenant_id, user_id, rating, comment) on public.feedback to authenticated;
-- Upserts (supabase-js .upsert on message_id,user_id) set every column they insert; the guard
-- trigger keeps message_id, user_id and tenant_id from actually changing.
grant update (message_id, tenant_id, user_id, rating, comment) on public.feedback to authenticated;
grant select, insert, update, delete on public.feedback to service_role;
