-- Rollback of 20261201120200_guard_last_owner_removal.sql: removing members is checked by the
-- users_delete policy alone again.
drop trigger if exists users_guard_delete on public.users;
drop function if exists private.guard_user_delete();
