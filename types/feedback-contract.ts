/** Request and response of the submit-feedback edge function (zod schemas and types for frontends). */
export * from '../supabase/functions/_shared/feedback-contract.ts';
