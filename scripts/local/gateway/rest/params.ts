// The query string of one request, as PostgREST reads it: select, columns, on_conflict, and per
// resource path (the root, or an embed's `rel.` / `rel.sub.` prefix) its filters, logic trees,
// order, limit and offset. RPC arguments on GET are the keys naming an argument of the function.
import { PgrstError, parseError } from "./errors.ts";
import { type Condition, OPERATORS, type OrderTerm, parseField, parseFilterValue, parseLogic, parseOrder, parseSelect, type SelectItem } from "./grammar.ts";

export interface NodeParams { conditions: Condition[]; order: OrderTerm[]; limit?: number; offset?: number }
export interface RequestQuery {
  select: SelectItem[];
  /** Keyed by the embed path joined with "." ("" is the root). */
  nodes: Map<string, NodeParams>;
  columns?: string[];
  onConflict?: string[];
  /** GET/HEAD RPC arguments, in order. */
  args: [string, string][];
}

const FILTER_VALUE = /^(not\.)?([a-z]+)(\((any|all)\))?(\([^()]*\))?\./;

function nonNegative(text: string, name: string): number {
  if (!/^\d{1,15}$/.test(text)) {
    if (/^-\d+$/.test(text)) throw new PgrstError(416, "PGRST103", "Requested range not satisfiable", `${name} must not be negative`);
    throw parseError(`${name} (${text})`, "expecting a non-negative integer");
  }
  return Number(text);
}

/** A comma-separated list of column names, plain or "quoted" (columns=, on_conflict=). */
export function columnList(text: string, name: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\s*(?:"((?:[^"]|"")*)"|([^,"]+))\s*(,|$)/gy)) {
    out.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2].trim());
    if (m[3] === "") break;
  }
  if (!out.length || out.some((c) => !c)) throw parseError(`${name} (${text})`, "expecting column names");
  return out;
}

export function parseQuery(search: URLSearchParams, argNames: Set<string> | null): RequestQuery {
  const query: RequestQuery = { select: [{ type: "star" }], nodes: new Map(), args: [] };
  const node = (path: string) => {
    let n = query.nodes.get(path);
    if (!n) query.nodes.set(path, n = { conditions: [], order: [] });
    return n;
  };
  node("");
  for (const [key, value] of search) {
    if (key === "select") { query.select = parseSelect(value); continue; }
    if (key === "columns") { query.columns = columnList(value, "columns"); continue; }
    if (key === "on_conflict") { query.onConflict = columnList(value, "on_conflict"); continue; }
    if (argNames && argNames.has(key) && !(FILTER_VALUE.test(value) && OPERATORS.has(FILTER_VALUE.exec(value)![2]))) {
      query.args.push([key, value]);
      continue;
    }
    const parts = key.split(".");
    const last = parts.at(-1)!;
    const negated = parts.length >= 2 && parts.at(-2) === "not" && (last === "or" || last === "and");
    const path = parts.slice(0, negated ? -2 : -1).join(".");
    if (last === "order") node(path).order.push(...parseOrder(value));
    else if (last === "limit") node(path).limit = nonNegative(value, "limit");
    else if (last === "offset") node(path).offset = nonNegative(value, "offset");
    else if (last === "or" || last === "and") node(path).conditions.push(parseLogic(last, negated, value));
    else {
      // A filter: the last dotted part is the column (with any JSON path), the rest the embed path.
      const arrowAt = key.indexOf("->");
      const head = arrowAt < 0 ? key : key.slice(0, arrowAt);
      const dot = head.lastIndexOf(".");
      const fieldText = dot < 0 ? key : key.slice(dot + 1);
      node(dot < 0 ? "" : head.slice(0, dot)).conditions.push(parseFilterValue(parseField(fieldText, key), value, key));
    }
  }
  return query;
}

/** Range: 0-19 / 10- (GET only), as [offset, limit?]; a lower bound over the upper is 416. */
export function parseRange(header: string | null): { offset: number; limit?: number } | null {
  if (!header) return null;
  const m = /^\s*(?:items|rows)?=?\s*(\d{1,15})-(\d{1,15})?\s*$/.exec(header);
  if (!m) return null;
  const from = Number(m[1]);
  if (m[2] === undefined) return { offset: from };
  const to = Number(m[2]);
  if (from > to) throw new PgrstError(416, "PGRST103", "Requested range not satisfiable", "The lower boundary must be lower than or equal to the upper boundary in the Range header.");
  return { offset: from, limit: to - from + 1 };
}
