// The local stand-in for Supabase Cron: the rows of private.job_schedules, run in this process
// with croner (UTC), each calling its function through this gateway as service_role.
import { Cron } from "croner";
import postgres from "postgres";
import type { GatewayConfig } from "./config.ts";

interface ScheduleRow { name: string; schedule: string; function_name: string; body: Record<string, unknown> }

export async function startSchedules(config: GatewayConfig): Promise<Cron[]> {
  const sql = postgres(config.dbUrl, { max: 1, prepare: false, onnotice: () => {} });
  let rows: ScheduleRow[];
  try {
    rows = await sql<ScheduleRow[]>`select name, schedule, function_name, body from private.job_schedules where enabled order by name`;
  } catch (err) {
    console.error(`schedules: cannot read private.job_schedules (${(err as Error).message}); none will run`);
    return [];
  } finally {
    await sql.end({ timeout: 2 });
  }
  const base = `http://${config.host}:${config.port}`;
  return rows.map((row) =>
    new Cron(row.schedule, { name: row.name, timezone: "UTC", protect: true }, async () => {
      const started = Date.now();
      try {
        const res = await fetch(`${base}/functions/v1/${row.function_name}`, {
          method: "POST",
          headers: { Authorization: `Bearer ${config.serviceRoleKey}`, "Content-Type": "application/json" },
          body: JSON.stringify({ ...row.body, trigger: "local-schedule" }),
        });
        const text = await res.text();
        console.log(`schedule ${row.name}: ${res.status} in ${Date.now() - started} ms ${text.slice(0, 200)}`);
      } catch (err) {
        console.error(`schedule ${row.name} failed: ${(err as Error).message}`);
      }
    })
  );
}
