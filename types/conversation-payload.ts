/**
 * The parsed shape of a generated conversation payload (what ingest-response turns into messages),
 * as zod schemas and TypeScript types for frontends. Defined once in the edge functions' shared code.
 */
export * from '../supabase/functions/_shared/conversation-payload.ts';
