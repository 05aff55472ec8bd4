-- Enums of the data-provenance model: what a piece of content is, how it was acquired and under
-- which licence. Created idempotently (the checklists re-run migrations after interruptions).

-- ============================================================================
-- TYPES
-- ============================================================================
do $$
begin
  create type public.content_type as enum ('material', 'ai_response', 'note_article', 'creation_log', 'generated');
exception when duplicate_object then null;
end
$$;
comment on type public.content_type is
  'Kind of content a provenance record describes. material: an item of the tenant''s content library (public.materials); ai_response: an answer logged in public.ai_dialogue_log; note_article: an article imported from note.com; creation_log: a record of how a work was created (drafts, edits); generated: other AI-generated content not logged as a dialogue.';

do $$
begin
  create type public.acquisition_method as enum (
    'manual_upload', 'api', 'scrape', 'user_submission', 'ai_generated', 'partner_feed', 'purchase', 'public_dataset');
exception when duplicate_object then null;
end
$$;
comment on type public.acquisition_method is
  'How content was obtained. manual_upload: uploaded by a staff member; api: fetched from a provider''s API under its terms; scrape: collected from public web pages; user_submission: submitted by an end user; ai_generated: produced by a model; partner_feed: delivered by a content partner''s feed; purchase: bought under a commercial licence; public_dataset: taken from a published dataset.';

do $$
begin
  create type public.license_type as enum (
    'public_domain', 'cc0', 'cc_by', 'cc_by_sa', 'cc_by_nc', 'cc_by_nc_sa', 'cc_by_nd', 'cc_by_nc_nd',
    'proprietary', 'commercial_license', 'fair_use', 'unknown');
exception when duplicate_object then null;
end
$$;
comment on type public.license_type is
  'Licence under which content may be used. public_domain: no copyright (expired or waived by law); cc0: CC0 public-domain dedication; cc_by: CC BY (attribution); cc_by_sa: CC BY-SA (attribution, share-alike); cc_by_nc: CC BY-NC (attribution, non-commercial); cc_by_nc_sa: CC BY-NC-SA; cc_by_nd: CC BY-ND (attribution, no derivatives); cc_by_nc_nd: CC BY-NC-ND; proprietary: owned by the tenant or its users, all rights reserved; commercial_license: licensed from a third party under contract; fair_use: used without a licence under fair use / quotation exceptions (needs review); unknown: not yet determined (must not be used in answers).';
