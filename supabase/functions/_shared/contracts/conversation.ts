// The parsed shape of a generated conversation: what ingest-response expects an LLM to produce.
// Text and metadata must be storable; a payload that is not goes to manual review with the reason.
import { z } from "zod";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see index.ts)
import { DB_ENUMS } from "./shared.ts";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see index.ts)
import { storableRecord, storableString } from "./storable.ts";

/** A turn's role: each turn becomes a row of public.messages, whose role is the message_role enum. */
export const TURN_ROLES = DB_ENUMS.message_role;

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
