-- Rollback of 20261121170300_create_provenance.sql.
drop trigger if exists materials_delete_provenance on public.materials;
drop trigger if exists ai_dialogue_log_delete_provenance on public.ai_dialogue_log;
drop table if exists public.provenance;
drop function if exists private.delete_content_provenance();
drop function if exists private.check_provenance_content();
