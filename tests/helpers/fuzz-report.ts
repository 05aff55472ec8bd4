/**
 * What the fuzz suite prints: the answer in a failure message, the per-route table (runs, requests,
 * counts per status) at the end of each file, failure classes for FUZZ_KEEP_GOING, and the
 * database's busy sessions when a request got no answer.
 */
import { connect, superuserUrl } from './db.ts';
import { describeRequest, type FuzzRequest, type FuzzResponse } from './fuzz-http.ts';

export interface RouteStats {
  route: string; runs: number; requests: number; statuses: Record<string, number>; ms: number; seed: number; failed: boolean;
  /** Changes to the shared tables (job log, metrics) seen after a refusal that a replay did not repeat. */
  unconfirmed: Record<string, number>;
}

/** A violation of the contract (as opposed to a bug in the suite). */
export class Violation extends Error {}

export function describeResponse(res: FuzzResponse): string {
  const body = res.body.toString('utf8');
  return `answer: ${res.status} ${res.headers['content-type'] ?? '(no content-type)'} ${JSON.stringify(body.length > 300 ? body.slice(0, 300) + '...' : body)}`;
}

export async function busySessions(): Promise<string> {
  const rows = await connect(superuserUrl())`
    select state, wait_event_type, wait_event, round(extract(epoch from now() - xact_start))::int as xact_s, left(query, 120) as query
    from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle' order by xact_start`;
  return JSON.stringify(rows);
}

/** FUZZ_KEEP_GOING: one class per kind of violation and kind of answer (ids and numbers blurred), three examples each, smallest first. */
export class FailureClasses {
  private readonly classes = new Map<string, { size: number; text: string; note: string }[]>();

  get size(): number { return this.classes.size; }

  add(err: Violation, req: FuzzRequest): void {
    const answer = err.message.split('\n').find((l) => l.startsWith('answer: ')) ?? '';
    const blur = (t: string) => t.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/\d+/g, 'N');
    const key = `${blur(err.message.split('\n')[0])} | ${blur(answer.slice(8, 100))}`;
    const text = `${err.message}\n${describeRequest(req)}`;
    const list = this.classes.get(key) ?? [];
    if (!list.some((x) => x.note === req.note)) list.push({ size: text.length, text, note: req.note });
    this.classes.set(key, list.sort((a, b) => a.size - b.size).slice(0, 3));
  }

  summary(): string {
    return [...this.classes.entries()].slice(0, 60).map(([k, v], i) => `--- class ${i + 1}: ${k}\n${v.map((x) => x.text).join('\n  ~\n')}`).join('\n');
  }
}

export function printTable(file: string, stats: RouteStats[]): void {
  if (!stats.length) return;
  const rows = stats.map((s) => [s.route, String(s.runs), String(s.requests), `${(s.ms / 1000).toFixed(1)} s`,
    Object.entries(s.statuses).sort().map(([k, v]) => `${k}:${v}`).join(' ') + (Object.keys(s.unconfirmed).length ? ` (changes by other tests' jobs, not reproduced on replay: ${Object.entries(s.unconfirmed).map(([k, v]) => `${k} ${v}`).join(', ')})` : '') + (s.failed ? '  FAILED' : '')]);
  const head = ['route', 'runs', 'requests', 'time', 'statuses'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 1 && i <= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(`\nfuzz ${file}: seeds ${stats.map((s) => s.seed).join(', ')}\n${line(head)}\n${rows.map(line).join('\n')}\n`);
}
