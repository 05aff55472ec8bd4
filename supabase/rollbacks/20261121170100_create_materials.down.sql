-- Rollback of 20261121170100_create_materials.sql.
drop table if exists public.materials;
