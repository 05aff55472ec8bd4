/**
 * The parsed shape of a generated conversation, what ingest-response expects an LLM to produce
 * (zod; zod 4 is a peer requirement, types/package.json). The ingest-response request and answer
 * and the typed invoke helper: types/functions.ts.
 * The `.js` specifier resolves to the .ts file under moduleResolution bundler, node16 and nodenext,
 * so no `allowImportingTsExtensions` is needed.
 */
export {
  type ConversationTurn, conversationTurnSchema, type GeneratedConversation, generatedConversationSchema, TURN_ROLES,
} from '../supabase/functions/_shared/contracts/index.js';
