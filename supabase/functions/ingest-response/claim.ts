// The dedupe claim: before any upload, a request inserts its ingestion row with status
// `receiving` (unique on conversation and dedupe key). Exactly one concurrent duplicate wins and
// uploads; the others wait for its outcome and reuse it. `updated_at` is the claim's heartbeat: a
// claim left `receiving` longer than CLAIM_STALE_SECONDS (its request died) is taken over, and the
// taker writes the same object name (rawObjectPath is per ingestion), so no orphan is left.
import { asServiceRole } from "../_shared/db.ts";
import { HttpError } from "../_shared/http.ts";
import type { Conversation, IngestionRow, Usage } from "./pipeline.ts";

export const CLAIM_STALE_SECONDS = 60;
/** How long a duplicate waits for the first request's outcome before answering 409. */
const WAIT_MS = 20_000;

export interface ClaimFields { dedupeKey: string; sha: string; size: number; model?: string; finishReason?: string; usage?: Usage }

export type Claim =
  /** This request owns the row and must upload (then record the outcome on it). */
  | { kind: "mine"; row: IngestionRow }
  /** Another request got further: continue from its state. */
  | { kind: "existing"; row: IngestionRow };

async function tryClaim(conv: Conversation, f: ClaimFields): Promise<Claim> {
  return await asServiceRole(async (tx) => {
    const [mine] = await tx<IngestionRow[]>`
      insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes,
                                                  model, finish_reason, usage, status)
      values (${conv.tenant_id}, ${conv.id}, ${conv.user_id}, ${f.dedupeKey}, ${f.sha}, ${f.size},
              ${f.model ?? null}, ${f.finishReason ?? null}, ${f.usage ? tx.json(f.usage as never) : null}, 'receiving')
      on conflict (conversation_id, dedupe_key) do nothing
      returning *`;
    if (mine) return { kind: "mine", row: mine };
    // Taken over when stale; the update is the compare-and-set, so only one request takes it.
    const [taken] = await tx<IngestionRow[]>`
      update public.raw_response_ingestions set updated_at = now(), attempts = attempts
      where conversation_id = ${conv.id} and dedupe_key = ${f.dedupeKey} and status = 'receiving'
        and content_sha256 = ${f.sha} and updated_at < now() - make_interval(secs => ${CLAIM_STALE_SECONDS})
      returning *`;
    if (taken) return { kind: "mine", row: taken };
    const [row] = await tx<IngestionRow[]>`
      select * from public.raw_response_ingestions where conversation_id = ${conv.id} and dedupe_key = ${f.dedupeKey}`;
    return { kind: "existing", row };
  });
}

/**
 * Claim the dedupe key, or wait until the request holding it has stored the bytes (or given up).
 * A key reused with other bytes is refused (409): one key, one response.
 */
export async function claimIngestion(conv: Conversation, f: ClaimFields): Promise<Claim> {
  const deadline = Date.now() + WAIT_MS;
  for (let delay = 25;; delay = Math.min(delay * 2, 500)) {
    const claim = await tryClaim(conv, f);
    if (claim.kind === "existing" && claim.row.content_sha256 !== f.sha) {
      throw new HttpError(409, "conflict", "this idempotency_key was used for a different raw_response");
    }
    if (claim.kind === "mine" || claim.row.status !== "receiving") return claim;
    if (Date.now() > deadline) {
      throw new HttpError(409, "conflict", "the same response is still being stored by an earlier request: retry shortly");
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}
