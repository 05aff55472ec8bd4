// submit-feedback (user JWT): POST {message_id, rating: -1 | 1 | null, comment?} gives, changes
// (one row per message and user) or, with rating null, withdraws the caller's feedback; DELETE
// {message_id} withdraws too. Runs as the caller, so RLS decides. Answers {feedback, summary}: the
// caller's row (null once withdrawn) and the message's summary: its row of
// public.get_message_feedback_summary, the RPC frontends call, run in the same transaction (live,
// over the caller's tenant; not the periodically refreshed view), so there is one summary of one
// shape. The RPC has no row for a message without feedback, so when none is left (the last rating
// withdrawn) summary is null, and a frontend shows zero counts; it is never null while feedback is
// not. Request and response schemas: _shared/contracts (feedback.ts).
import { getCaller } from "../_shared/auth.ts";
import { asCaller, type Tx } from "../_shared/db.ts";
import { type FeedbackSummary, submitFeedbackSchema, withdrawFeedbackSchema } from "../_shared/contracts/index.ts";
import type { Database } from "../_shared/database.types.ts";
import { HttpError, json, withHttp } from "../_shared/http.ts";
import { parseJsonBody } from "../_shared/validate.ts";

type SummaryRow = Database["public"]["Functions"]["get_message_feedback_summary"]["Returns"][number];
/** The RPC's row as postgres.js decodes it: numeric as its text, timestamptz as a Date. */
type DecodedSummaryRow = Omit<SummaryRow, "average_rating" | "last_feedback_at"> & { average_rating: string; last_feedback_at: Date };

/** The message's row of get_message_feedback_summary, as JSON gives it (PostgREST: numeric as a number), or null. */
async function summaryOf(tx: Tx, messageId: string): Promise<FeedbackSummary | null> {
  const [row] = await tx<DecodedSummaryRow[]>`select * from public.get_message_feedback_summary(array[${messageId}]::uuid[])`;
  if (!row) return null;
  return { ...row, average_rating: Number(row.average_rating), last_feedback_at: row.last_feedback_at.toISOString() };
}

export const handler = withHttp(["POST", "DELETE"], async (req) => {
  const caller = await getCaller(req);
  if (caller.role !== "authenticated") {
    throw new HttpError(caller.role === "anon" ? 401 : 403, caller.role === "anon" ? "unauthorized" : "forbidden", "feedback is given by a signed-in user");
  }
  const input = req.method === "DELETE"
    ? { ...(await parseJsonBody(req, withdrawFeedbackSchema)), rating: null, comment: undefined }
    : await parseJsonBody(req, submitFeedbackSchema);

  const answer = await asCaller(caller, async (tx) => {
    const [message] = await tx`select id from public.messages where id = ${input.message_id}`;
    if (!message) throw new HttpError(404, "not_found", "no such message (or not one you can see)");
    let feedback = null;
    if (input.rating === null) {
      await tx`delete from public.feedback where message_id = ${input.message_id} and user_id = ${caller.userId}`;
    } else {
      [feedback] = await tx`
        insert into public.feedback (message_id, rating, comment) values (${input.message_id}, ${input.rating}, ${input.comment ?? null})
        on conflict (message_id, user_id) do update set rating = excluded.rating, comment = excluded.comment
        returning id, message_id, user_id, rating, comment, created_at, updated_at`;
    }
    return { feedback, summary: await summaryOf(tx, input.message_id) };
  });
  return json(answer);
});
