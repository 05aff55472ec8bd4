// submit-feedback: POST {message_id, rating, comment?} gives, changes or (rating null) withdraws
// the caller's one rating of a message; DELETE {message_id} withdraws it. Thumbs: -1 down, +1 up.
import { z } from "zod";
import type { Database } from "../database.types.ts";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see index.ts)
import { id, timestamp } from "./shared.ts";
import type { Same, Within } from "./shared.ts";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see index.ts)
import { storableString } from "./storable.ts";

export const submitFeedbackSchema = z.object({
  message_id: z.string().uuid(),
  rating: z.union([z.literal(-1), z.literal(1), z.null()]),
  comment: storableString(z.string().max(2000)).nullable().optional(),
}).strict();

export const withdrawFeedbackSchema = z.object({ message_id: z.string().uuid() }).strict();

/**
 * A row of `public.get_message_feedback_summary(p_message_ids)`: a message's counts, live, over the
 * feedback of the caller's tenant. The RPC answers a row only for a message that has feedback, so
 * every field is set: feedback_count is at least 1, average_rating is the mean rating from -1 to 1
 * (rounded to 4 places), last_feedback_at the latest rating's updated_at. The submit-feedback answer
 * carries the same row, or null where the RPC has none (no feedback left on the message).
 */
export const feedbackSummarySchema = z.object({
  message_id: id,
  up_count: z.number().int().min(0),
  down_count: z.number().int().min(0),
  feedback_count: z.number().int().min(1),
  average_rating: z.number().min(-1).max(1),
  last_feedback_at: timestamp,
});

export const submitFeedbackResponseSchema = z.object({
  /** The caller's feedback row, or null once withdrawn. */
  feedback: z.object({
    id,
    message_id: id,
    user_id: id,
    rating: z.union([z.literal(-1), z.literal(1)]),
    comment: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  }).nullable(),
  /**
   * The message's summary after the change, as get_message_feedback_summary returns it in the same
   * transaction; null when no feedback is left on the message (show zero counts). Never null while
   * `feedback` is not.
   */
  summary: feedbackSummarySchema.nullable(),
});

export type SubmitFeedbackRequest = z.input<typeof submitFeedbackSchema>;
export type WithdrawFeedbackRequest = z.input<typeof withdrawFeedbackSchema>;
export type FeedbackSummary = z.infer<typeof feedbackSummarySchema>;
export type SubmitFeedbackResponse = z.infer<typeof submitFeedbackResponseSchema>;

// One summary, one shape: the schema and the RPC's generated row type (npm run gen:types) must be
// assignable to each other, so a column added, renamed or retyped in the RPC fails to compile here.
type SummaryRow = Database["public"]["Functions"]["get_message_feedback_summary"]["Returns"][number];
true satisfies Same<FeedbackSummary, SummaryRow>;
// And the feedback row is columns of public.feedback (the rating a subset of what it stores).
type FeedbackAnswerRow = NonNullable<SubmitFeedbackResponse["feedback"]>;
true satisfies Within<FeedbackAnswerRow, Pick<Database["public"]["Tables"]["feedback"]["Row"], keyof FeedbackAnswerRow>>;
