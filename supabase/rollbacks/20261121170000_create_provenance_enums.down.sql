-- Rollback of 20261121170000_create_provenance_enums.sql.
drop type if exists public.license_type;
drop type if exists public.acquisition_method;
drop type if exists public.content_type;
