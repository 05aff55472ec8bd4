// The parsed shape of a generated conversation: what ingest-response expects an LLM to produce.
// Shared by the edge functions and, through types/conversation-payload.ts, by frontends. Text and
// metadata must be storable in Postgres (no NUL, no unpaired surrogates, metadata nested at most
// MAX_JSON_DEPTH levels); a payload that is not goes to manual review with the reason.
import { z } from "zod";
import { storableRecord, storableString } from "./validate.ts";

export const TURN_ROLES = ["user", "assistant", "system", "tool"] as const;

export const conversationTurnSchema = z.object({
  role: z.enum(TURN_ROLES),
  content: storableString(z.string().min(1).max(100_000)),
  metadata: storableRecord().optional(),
});

export const generatedConversationSchema = z.object({
  title: storableString(z.string().min(1).max(200)).optional(),
  turns: z.array(conversationTurnSchema).min(1).max(200),
  metadata: storableRecord().optional(),
});

export type ConversationTurn = z.infer<typeof conversationTurnSchema>;
export type GeneratedConversation = z.infer<typeof generatedConversationSchema>;
