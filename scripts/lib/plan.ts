/**
 * EXPLAIN (FORMAT JSON) plans: run one, and read what it used: the indexes, the node types, the
 * cost and, with ANALYZE, the planning and execution times.
 */
import type { TransactionSql } from 'postgres';

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

export interface PlanSummary {
  /** Index names the plan scans, in plan order, each once. */
  indexes: string[];
  /** Node types ('Index Scan', 'Seq Scan', …), in plan order, each once. */
  nodeTypes: string[];
  totalCost: number;
  /** Only with ANALYZE. */
  planningMs?: number;
  executionMs?: number;
}

/** Walk the result rows of `explain (format json) …` (one row, column "QUERY PLAN"). */
export function planSummary(rows: readonly Record<string, unknown>[]): PlanSummary {
  const [top] = rows[0]['QUERY PLAN'] as (Record<string, unknown> & { Plan: PlanNode })[];
  const indexes = new Set<string>();
  const nodeTypes = new Set<string>();
  const walk = (n: PlanNode) => {
    if (typeof n['Index Name'] === 'string') indexes.add(n['Index Name']);
    if (typeof n['Node Type'] === 'string') nodeTypes.add(n['Node Type']);
    for (const child of n.Plans ?? []) walk(child);
  };
  walk(top.Plan);
  const ms = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return {
    indexes: [...indexes], nodeTypes: [...nodeTypes], totalCost: Number(top.Plan['Total Cost']),
    planningMs: ms(top['Planning Time']), executionMs: ms(top['Execution Time']),
  };
}

/** EXPLAIN (optionally ANALYZE, which runs it) a query, its values as parameters, and summarize the plan. */
export async function explainPlan(tx: TransactionSql, query: string, params: string[] = [], opts: { analyze?: boolean } = {}): Promise<PlanSummary> {
  const rows = await tx.unsafe(`explain (${opts.analyze ? 'analyze, ' : ''}format json) ${query}`, params);
  return planSummary(rows);
}
