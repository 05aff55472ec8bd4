// The one loop that continues raw responses left pending: lists them (private.pending_raw_ingestions:
// storage_pending ones and abandoned claims, oldest first, at most `limit`) and asks ingest-response
// to finish each one (POST <functions>/ingest-response/resume {ingestion_id} as service_role), one at
// a time. The scheduled refresh-views (Deno) and scripts/ops/jobs/upload-pending-responses.ts (Node)
// both run it; what differs between them (where the functions are, the key, how the list is read,
// the limit, what is printed) are parameters. No imports and no Deno or Node API: fetch is the
// platform's unless one is given.

/** A row of private.pending_raw_ingestions. */
export interface PendingIngestion {
  id: string;
  conversation_id: string;
}

/** What one resume came to: stored (finished), gone (404: deleted since the list was read, or an abandoned claim with nothing stored, removed), or failed (still pending). */
export type ResumeResult =
  | { outcome: "stored"; ingestion: PendingIngestion; processingStatus: string | undefined }
  | { outcome: "gone"; ingestion: PendingIngestion; message: string }
  | { outcome: "failed"; ingestion: PendingIngestion; status: number; message: string };

export interface ResumeSummary {
  /** How many the list held (at most the limit). */
  listed: number;
  stored: number;
  gone: number;
  /** The ones still pending, in list order. */
  failures: Extract<ResumeResult, { outcome: "failed" }>[];
}

export interface ResumePendingOptions {
  /** The functions' base URL, e.g. `https://<ref>.supabase.co/functions/v1` (no trailing slash). */
  functionsUrl: string;
  /** The service_role key (the resume route refuses every other caller). */
  serviceRoleKey: string;
  /** Reads `select id, conversation_id from private.pending_raw_ingestions(limit)` as service_role. */
  listPending: (limit: number) => Promise<readonly PendingIngestion[]>;
  /** At most this many are listed and resumed in one call: a whole number, 1 or more. */
  limit: number;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Called after each resume, in list order. */
  onResult?: (result: ResumeResult) => void;
}

/**
 * Resumes up to `limit` pending ingestions and counts the outcomes. A refused resume is counted
 * and the loop goes on; a thrown error (the list, or the network) ends it and propagates.
 */
export async function resumePendingIngestions(opts: ResumePendingOptions): Promise<ResumeSummary> {
  if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new RangeError(`limit must be a whole number, 1 or more (got ${opts.limit})`);
  const doFetch = opts.fetch ?? fetch;
  const pending = await opts.listPending(opts.limit);
  const summary: ResumeSummary = { listed: pending.length, stored: 0, gone: 0, failures: [] };
  for (const p of pending) {
    const ingestion = { id: p.id, conversation_id: p.conversation_id };
    const res = await doFetch(`${opts.functionsUrl}/ingest-response/resume`, {
      method: "POST",
      headers: { Authorization: `Bearer ${opts.serviceRoleKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ ingestion_id: p.id }),
    });
    const body = await res.json().catch(() => ({})) as { processing_status?: string; error?: { message?: string } } | null;
    let result: ResumeResult;
    if (res.ok) {
      summary.stored++;
      result = { outcome: "stored", ingestion, processingStatus: body?.processing_status };
    } else if (res.status === 404) {
      summary.gone++;
      result = { outcome: "gone", ingestion, message: body?.error?.message ?? "" };
    } else {
      result = { outcome: "failed", ingestion, status: res.status, message: body?.error?.message ?? "" };
      summary.failures.push(result);
    }
    opts.onResult?.(result);
  }
  return summary;
}
