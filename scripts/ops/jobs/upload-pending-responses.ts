/**
 * Continues raw responses that ingest-response accepted while storage was unavailable: for each
 * ingestion still storage_pending (oldest first; the list is private.pending_raw_ingestions, which
 * the scheduled refresh-views reads too), asks ingest-response to upload the kept bytes
 * and finish the pipeline (POST /functions/v1/ingest-response/resume as service_role). Claims
 * abandoned for 5 minutes (a request that died while uploading) are resumed the same way: parsed
 * from storage if their object got there, else removed.
 *
 *   node --import tsx scripts/ops/jobs/upload-pending-responses.ts [--limit=100]
 *
 * Uses DATABASE_URL and API_URL / SERVICE_ROLE_KEY, else the local stack. Exit 0 when every
 * pending response was stored (or there were none), 1 otherwise.
 */
import postgres from 'postgres';
import { parseCli, positiveInt, runCli, targetDatabaseUrl } from '../../lib/cli.ts';
import { loadStackConfig } from '../../lib/stack-config.ts';

await runCli('upload-pending-responses', async () => {
  const values = parseCli({ limit: { type: 'string' } }, 'upload-pending-responses.ts [--limit=100]');
  const limit = positiveInt('limit', values.limit, 100);
  const config = await loadStackConfig();
  const sql = postgres(await targetDatabaseUrl(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const pending = await sql<{ id: string; conversation_id: string }[]>`
      select id, conversation_id from private.pending_raw_ingestions(${limit})`;
    let stored = 0;
    let gone = 0;
    for (const p of pending) {
      const res = await fetch(`${config.apiUrl}/functions/v1/ingest-response/resume`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${config.serviceRoleKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ ingestion_id: p.id }),
      });
      const body = await res.json().catch(() => ({}));
      if (res.ok) {
        stored++;
        console.log(`stored ${p.id} (conversation ${p.conversation_id}): ${body.processing_status}`);
      } else if (res.status === 404) {
        gone++; // its conversation was deleted since the list was read: nothing left to store
        console.log(`gone ${p.id} (conversation ${p.conversation_id}): deleted meanwhile`);
      } else {
        console.log(`still pending ${p.id} (conversation ${p.conversation_id}): ${res.status} ${body?.error?.message ?? ''}`);
      }
    }
    console.log(`${stored} of ${pending.length} pending responses stored${gone ? ` (${gone} deleted meanwhile)` : ''}`);
    return stored + gone === pending.length ? 0 : 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
});
