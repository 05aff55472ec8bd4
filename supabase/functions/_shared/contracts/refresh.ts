// refresh-views (service_role; the schedules call it): POST {job?, include_today?, trigger?}.
// Jobs and steps are the function's own names; the run and step statuses are enums of the private
// schema (job_run_status, job_step_status), which the generated types do not cover: all are written
// out here.
import { z } from "zod";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see index.ts)
import { id } from "./shared.ts";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see index.ts)
import { storableString } from "./storable.ts";

export const REFRESH_JOBS = ["refresh", "daily", "maintenance", "monitor", "all"] as const;
export const REFRESH_STEPS = [
  "refresh_summaries", "upload_pending_responses", "rag_metrics_yesterday", "rag_metrics_today", "vacuum_analyze", "prune_logs", "monitor",
] as const;

/** An empty body is `{}`: the default job, `refresh`. */
export const refreshViewsRequestSchema = z.object({
  job: z.enum(REFRESH_JOBS).default("refresh"),
  include_today: z.boolean().default(false),
  trigger: storableString(z.string().min(1).max(100)).default("manual"),
}).strict();

export const refreshStepResultSchema = z.object({
  step: z.enum(REFRESH_STEPS),
  status: z.enum(["succeeded", "failed"]),
  duration_ms: z.number().int().min(0),
  rows: z.number().int().nullable(),
  error: z.string().nullable(),
});

/** A run (logged in private.job_runs; `partial` when some steps failed), or `skipped` while another run holds the lock. */
export const refreshViewsResponseSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.enum(["succeeded", "partial", "failed"]),
    run_id: id,
    job: z.enum(REFRESH_JOBS),
    duration_ms: z.number().int().min(0),
    steps: z.array(refreshStepResultSchema),
  }),
  z.object({ status: z.literal("skipped"), job: z.enum(REFRESH_JOBS), reason: z.string() }),
]);

export type RefreshViewsRequest = z.input<typeof refreshViewsRequestSchema>;
export type RefreshStepResult = z.infer<typeof refreshStepResultSchema>;
export type RefreshViewsResponse = z.infer<typeof refreshViewsResponseSchema>;
