// submit-feedback (user JWT): POST {message_id, rating: -1 | 1 | null, comment?} gives, changes
// (one row per message and user) or, with rating null, withdraws the caller's feedback; DELETE
// {message_id} withdraws too. Runs as the caller, so RLS decides; answers the row and the
// message's current summary, computed now (not the periodically refreshed view). Request and
// response schemas: _shared/contracts.
import { getCaller } from "../_shared/auth.ts";
import { asCaller, type Tx } from "../_shared/db.ts";
import { type FeedbackSummary, submitFeedbackSchema, withdrawFeedbackSchema } from "../_shared/contracts/index.ts";
import { HttpError, json, withHttp } from "../_shared/http.ts";
import { parseJsonBody } from "../_shared/validate.ts";

async function summaryOf(tx: Tx, messageId: string): Promise<FeedbackSummary> {
  const [s] = await tx`
    select count(*) filter (where rating = 1)::int as up_count, count(*) filter (where rating = -1)::int as down_count,
           count(*)::int as feedback_count, round(avg(rating), 4)::float8 as average_rating, max(updated_at) as last_feedback_at
    from public.feedback where message_id = ${messageId}`;
  return { message_id: messageId, ...s } as FeedbackSummary;
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
