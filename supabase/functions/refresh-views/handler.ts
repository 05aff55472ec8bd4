// refresh-views: the scheduled work, service_role only. POST {job?, include_today?, trigger?}:
//   refresh      (default) refresh the summaries concurrently, upload raw responses left pending
//   daily        yesterday's RAG metrics for every tenant and the platform row (include_today: today's too)
//   maintenance  VACUUM ANALYZE of the busiest tables; the operational logs pruned (job runs, alert
//                events, size snapshots: private.prune_operational_logs)
//   monitor      the day's table sizes, the alert rules evaluated, the alert log kept, and opened or
//                resolved alerts posted to ALERT_WEBHOOK_URL when set (monitor.ts)
//   all          everything
// One run at a time: a second overlapping call answers "skipped" (transaction-scoped advisory
// lock). The monitor job has a lock of its own: it runs while a long refresh does (when a slow
// query is worth an alert) and never makes a refresh skip; two monitors still never overlap. Each run and step is logged in private.job_runs / job_run_steps; a failing step is
// logged and the others still run. Request and response schemas: _shared/contracts.
import { getCaller, requireRole } from "../_shared/auth.ts";
import { asServiceRole, db, withTryLock } from "../_shared/db.ts";
import { type RefreshStepResult as StepResult, type RefreshViewsResponse, refreshViewsRequestSchema } from "../_shared/contracts/index.ts";
import { json, withHttp } from "../_shared/http.ts";
import { type PendingIngestion, resumePendingIngestions } from "../_shared/resume-pending.ts";
import { parseJsonBody } from "../_shared/validate.ts";
import { monitor } from "./monitor.ts";

type Step = { name: StepResult["step"]; run: () => Promise<number> };

const utcDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

async function ragMetrics(day: string): Promise<number> {
  // Every tenant and the platform row (private.calculate_daily_rag_metrics), in one transaction.
  const [row] = await asServiceRole((tx) => tx`select count(*)::int as n from private.calculate_daily_rag_metrics(${day}::date)`);
  return row.n;
}

async function uploadPending(): Promise<number> {
  const { listed, stored, failures } = await resumePendingIngestions({
    functionsUrl: `${Deno.env.get("SUPABASE_URL")}/functions/v1`,
    serviceRoleKey: Deno.env.get("SUPABASE_SERVICE_ROLE_KEY") ?? "",
    listPending: (limit) => asServiceRole((tx) => tx<PendingIngestion[]>`select id, conversation_id from private.pending_raw_ingestions(${limit})`),
    limit: 100,
  });
  // Gone (404: deleted since the list was read) is not a failure.
  if (failures.length) {
    const some = failures.slice(0, 3).map((f) => `${f.ingestion.id}: ${f.status}`).join(", ");
    throw new Error(`${failures.length} of ${listed} pending responses still not stored (${some})`);
  }
  return stored;
}

async function vacuumAnalyze(): Promise<number> {
  // VACUUM cannot run inside a transaction: plain statements on the table owner's login.
  const tables = ["public.conversations", "public.messages", "public.feedback", "public.usage_metrics"];
  for (const t of tables) await db().unsafe(`vacuum (analyze) ${t}`);
  return tables.length;
}

function stepsFor(job: string, includeToday: boolean): Step[] {
  const refresh: Step[] = [
    {
      name: "refresh_summaries",
      run: async () => {
        const [row] = await asServiceRole((tx) => tx`select private.refresh_summaries() as r`);
        return Number(row.r.message_feedback_summary.rows) + Number(row.r.monthly_usage_summary.rows);
      },
    },
    { name: "upload_pending_responses", run: uploadPending },
  ];
  const daily: Step[] = [
    { name: "rag_metrics_yesterday", run: () => ragMetrics(utcDay(-1)) },
    ...(includeToday ? [{ name: "rag_metrics_today", run: () => ragMetrics(utcDay(0)) } satisfies Step] : []),
  ];
  const maintenance: Step[] = [
    { name: "vacuum_analyze", run: vacuumAnalyze },
    {
      name: "prune_logs",
      run: async () => {
        const rows = await asServiceRole((tx) => tx`select deleted from private.prune_operational_logs()`);
        return rows.reduce((n, r) => n + Number(r.deleted), 0);
      },
    },
  ];
  const monitoring: Step[] = [{ name: "monitor", run: monitor }];
  const jobs: Record<string, Step[]> = { refresh, daily, maintenance, monitor: monitoring };
  // all: the monitor last, so it judges what the other steps left.
  return Object.hasOwn(jobs, job) ? jobs[job] : [...refresh, ...daily, ...maintenance, ...monitoring];
}

async function runStep(runId: string, step: Step): Promise<StepResult> {
  const [row] = await asServiceRole((tx) => tx`insert into private.job_run_steps (run_id, step) values (${runId}, ${step.name}) returning id`);
  const t0 = performance.now();
  let result: StepResult;
  try {
    const rows = await step.run();
    result = { step: step.name, status: "succeeded", duration_ms: Math.round(performance.now() - t0), rows, error: null };
  } catch (err) {
    result = { step: step.name, status: "failed", duration_ms: Math.round(performance.now() - t0), rows: null, error: (err as Error).message.slice(0, 2000) };
  }
  await asServiceRole((tx) => tx`
    update private.job_run_steps set status = ${result.status}, finished_at = clock_timestamp(), duration_ms = ${result.duration_ms},
      rows = ${result.rows}, error = ${result.error}
    where id = ${row.id}`);
  return result;
}

export const handler = withHttp(["POST"], async (req) => {
  requireRole(await getCaller(req), "service_role");
  const body = await parseJsonBody(req, refreshViewsRequestSchema, undefined, { emptyAs: {} });
  const t0 = performance.now();

  // One run at a time: the lock lives in a transaction of its own, on a connection apart from the
  // pool the steps use (see withTryLock), held for the whole run.
  const lockKey = body.job === "monitor" ? "assistant-platform:refresh-views:monitor" : "assistant-platform:refresh-views";
  const run = await withTryLock(lockKey, async () => {
    const [run] = await asServiceRole((tx) => tx`insert into private.job_runs (job, trigger) values (${body.job}, ${body.trigger}) returning id`);
    const steps: StepResult[] = [];
    for (const step of stepsFor(body.job, body.include_today)) steps.push(await runStep(run.id, step));
    const failed = steps.filter((s) => s.status === "failed").length;
    const status = failed === 0 ? "succeeded" : failed === steps.length ? "failed" : "partial";
    const summary = { run_id: run.id, job: body.job, status, duration_ms: Math.round(performance.now() - t0), steps } satisfies RefreshViewsResponse;
    await asServiceRole((tx) => tx`
      update private.job_runs set status = ${status}, finished_at = clock_timestamp(), duration_ms = ${summary.duration_ms},
        summary = ${tx.json(summary as never)}
      where id = ${run.id}`);
    return summary;
  });
  if (!run.locked) {
    await asServiceRole((tx) => tx`
      insert into private.job_runs (job, trigger, status, finished_at, duration_ms, summary)
      values (${body.job}, ${body.trigger}, 'skipped', clock_timestamp(), 0, '{"reason": "another run holds the lock"}')`);
    return json({ status: "skipped", job: body.job, reason: "another refresh-views run is in progress" } satisfies RefreshViewsResponse);
  }
  return json(run.value);
});
