// The submit-feedback contract, shared by the function and (through types/feedback-contract.ts)
// by frontends. Ratings are thumbs: -1 down, +1 up; null withdraws the feedback.
import { z } from "zod";
import { storableString } from "./validate.ts";

export const submitFeedbackSchema = z.object({
  message_id: z.string().uuid(),
  rating: z.union([z.literal(-1), z.literal(1), z.null()]),
  comment: storableString(z.string().max(2000)).nullable().optional(),
}).strict();

export const withdrawFeedbackSchema = z.object({ message_id: z.string().uuid() }).strict();

export type SubmitFeedbackRequest = z.infer<typeof submitFeedbackSchema>;

export interface FeedbackSummary {
  message_id: string;
  up_count: number;
  down_count: number;
  feedback_count: number;
  /** Mean rating from -1 to 1, null without feedback. */
  average_rating: number | null;
  last_feedback_at: string | null;
}

export interface SubmitFeedbackResponse {
  /** The caller's feedback row, or null once withdrawn. */
  feedback: { id: string; message_id: string; user_id: string; rating: -1 | 1; comment: string | null; created_at: string; updated_at: string } | null;
  summary: FeedbackSummary;
}
