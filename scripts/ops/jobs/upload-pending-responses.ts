/**
 * Continues raw responses that ingest-response accepted while storage was unavailable: for each
 * ingestion still storage_pending (oldest first; the list is private.pending_raw_ingestions, which
 * the scheduled refresh-views reads too), asks ingest-response to upload the kept bytes
 * and finish the pipeline (POST /functions/v1/ingest-response/resume as service_role; the loop is
 * supabase/functions/_shared/resume-pending.ts, which refresh-views runs too). Claims
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
import { type PendingIngestion, resumePendingIngestions } from '../../../supabase/functions/_shared/resume-pending.ts';

await runCli('upload-pending-responses', async () => {
  const values = parseCli({ limit: { type: 'string' } }, 'upload-pending-responses.ts [--limit=100]');
  const limit = positiveInt('limit', values.limit, 100);
  const config = await loadStackConfig();
  const sql = postgres(await targetDatabaseUrl(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const { listed, stored, gone } = await resumePendingIngestions({
      functionsUrl: `${config.apiUrl}/functions/v1`,
      serviceRoleKey: config.serviceRoleKey,
      listPending: (n) => sql<PendingIngestion[]>`select id, conversation_id from private.pending_raw_ingestions(${n})`,
      limit,
      onResult: (r) => {
        const which = `${r.ingestion.id} (conversation ${r.ingestion.conversation_id})`;
        if (r.outcome === 'stored') console.log(`stored ${which}: ${r.processingStatus}`);
        // gone (404): its conversation was deleted since the list was read, or an abandoned claim
        // had nothing stored and was removed; the route's message says which
        else if (r.outcome === 'gone') console.log(`gone ${which}: ${r.message || 'not found'}`);
        else console.log(`still pending ${which}: ${r.status} ${r.message}`);
      },
    });
    console.log(`${stored} of ${listed} pending responses stored${gone ? ` (${gone} gone: deleted meanwhile or abandoned)` : ''}`);
    return stored + gone === listed ? 0 : 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
});
