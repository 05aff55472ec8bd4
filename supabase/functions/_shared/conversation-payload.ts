// The parsed shape of a generated conversation: what ingest-response expects an LLM to produce.
// Shared by the edge functions and, through types/conversation-payload.ts, by frontends.
import { z } from "zod";

export const TURN_ROLES = ["user", "assistant", "system", "tool"] as const;

export const conversationTurnSchema = z.object({
  role: z.enum(TURN_ROLES),
  content: z.string().min(1).max(100_000),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export const generatedConversationSchema = z.object({
  title: z.string().min(1).max(200).optional(),
  turns: z.array(conversationTurnSchema).min(1).max(200),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type ConversationTurn = z.infer<typeof conversationTurnSchema>;
export type GeneratedConversation = z.infer<typeof generatedConversationSchema>;
