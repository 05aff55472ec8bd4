// The `monitor` step of refresh-views: the day's table sizes (once a day), the alert rules
// evaluated and the alert log kept (private.sync_alert_events), and what opened or resolved posted
// to ALERT_WEBHOOK_URL (a function secret; unset: nothing is posted) as Slack-compatible JSON:
// {"text": "...", "alerts": [...]}. The post happens inside the transaction that recorded the
// changes: when it fails (an error status, no answer within ALERT_WEBHOOK_TIMEOUT_MS, default
// 10 s, or no connection) the step fails and the changes roll back, so the next run posts them
// again. Errors name the webhook's host only: the URL itself is a secret (Slack's carries a token).
import { asServiceRole } from "../_shared/db.ts";

export interface AlertChange {
  change: "opened" | "resolved";
  alert_key: string;
  severity: "critical" | "warning";
  subject: string;
  /** numeric: postgres.js returns it as text. */
  value: string | null;
  threshold: string | null;
  detail: string;
  opened_at: Date;
  resolved_at: Date | null;
}

const DEFAULT_TIMEOUT_MS = 10_000;

function timeoutMs(): number {
  const raw = Number(Deno.env.get("ALERT_WEBHOOK_TIMEOUT_MS"));
  return Number.isInteger(raw) && raw > 0 && raw <= 60_000 ? raw : DEFAULT_TIMEOUT_MS;
}

const num = (v: string | null) => (v === null ? null : Number(v));

function line(c: AlertChange): string {
  if (c.change === "resolved") return `RESOLVED ${c.alert_key} · ${c.subject} (open since ${c.opened_at.toISOString()})`;
  return `${c.severity === "critical" ? "CRITICAL" : "warning"} ${c.alert_key} · ${c.subject}: ${c.detail}`;
}

/** The webhook's body: Slack's `text` (one line per change) plus the changes as structured data. */
export function alertPayload(changes: AlertChange[], project: string) {
  const opened = changes.filter((c) => c.change === "opened").length;
  const critical = changes.filter((c) => c.change === "opened" && c.severity === "critical").length;
  const head = `[${project}] ${opened} alert(s) opened${critical ? ` (${critical} critical)` : ""}, ${changes.length - opened} resolved`;
  return {
    text: [head, ...changes.map(line)].join("\n"),
    alerts: changes.map((c) => ({
      change: c.change, alert_key: c.alert_key, severity: c.severity, subject: c.subject, value: num(c.value),
      threshold: num(c.threshold), detail: c.detail, opened_at: c.opened_at.toISOString(), resolved_at: c.resolved_at?.toISOString() ?? null,
    })),
  };
}

export async function postAlerts(url: string, changes: AlertChange[], project: string): Promise<void> {
  let host = "the webhook";
  try {
    host = new URL(url).host;
  } catch {
    throw new Error("ALERT_WEBHOOK_URL is not a URL");
  }
  const limit = timeoutMs();
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(alertPayload(changes, project)),
      signal: AbortSignal.timeout(limit),
    });
  } catch (err) {
    const e = err as Error;
    if (e.name === "TimeoutError") throw new Error(`alert webhook ${host}: no answer within ${limit} ms`);
    throw new Error(`alert webhook ${host}: ${e.message.replaceAll(url, host).slice(0, 300)}`);
  }
  await res.body?.cancel();
  if (!res.ok) throw new Error(`alert webhook ${host} answered HTTP ${res.status}`);
}

/** The step: rows = alerts opened plus resolved. */
export async function monitor(): Promise<number> {
  await asServiceRole((tx) => tx`select private.record_table_sizes()`);
  const webhook = Deno.env.get("ALERT_WEBHOOK_URL");
  const project = new URL(Deno.env.get("SUPABASE_URL") ?? "http://localhost").host;
  return await asServiceRole(async (tx) => {
    const changes = await tx<AlertChange[]>`
      select change, alert_key, severity::text as severity, subject, value, threshold, detail, opened_at, resolved_at
      from private.sync_alert_events()`;
    if (changes.length && webhook) await postAlerts(webhook, changes, project);
    return changes.length;
  });
}
