// The URL grammar of PostgREST, parsed into a syntax tree before anything else happens: select
// lists (columns, aliases, casts, JSON paths, embeds with !inner/!hint, spreads), filter values
// ([not.]op[(any|all)][(lang)].value), logic trees (or/and, nested), order terms and in-lists.
// Nothing here knows SQL; names are resolved against the schema cache later.
import { parseError } from "./errors.ts";

export interface JsonStep { arrow: "->" | "->>"; key: string }
export interface Field { name: string; path: JsonStep[] }
export type Aggregate = "count" | "sum" | "avg" | "max" | "min";
export type SelectItem =
  | { type: "star" }
  | { type: "column"; field: Field; alias?: string; cast?: string; aggregate?: Aggregate; aggregateCast?: string }
  | EmbedItem;
export interface EmbedItem { type: "embed"; name: string; alias?: string; hint?: string; join: "left" | "inner"; spread: boolean; select: SelectItem[] }
export interface Filter { type: "filter"; field: Field; negate: boolean; op: string; quant?: "any" | "all"; lang?: string; value: string }
export interface Logic { type: "logic"; op: "and" | "or"; negate: boolean; children: Condition[] }
export type Condition = Filter | Logic;
/** An order term; with `relation`, a column of that to-one embed (`order=rel(col).desc`). */
export interface OrderTerm { field: Field; relation?: string; dir?: "asc" | "desc"; nulls?: "first" | "last" }

export const OPERATORS = new Set(["eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch", "in", "is", "isdistinct",
  "cs", "cd", "ov", "sl", "sr", "nxr", "nxl", "adj", "fts", "plfts", "phfts", "wfts"]);
const QUANTIFIABLE = new Set(["eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch"]);
const FTS = new Set(["fts", "plfts", "phfts", "wfts"]);
const AGGREGATES = new Set<string>(["count", "sum", "avg", "max", "min"]);

/** A cursor over one parameter's text, with PostgREST's "failed to parse" errors. */
class Cursor {
  pos = 0;
  constructor(readonly text: string, readonly what: string) {}
  get done() { return this.pos >= this.text.length; }
  peek(n = 1) { return this.text.slice(this.pos, this.pos + n); }
  eat(s: string) {
    if (this.text.startsWith(s, this.pos)) { this.pos += s.length; return true; }
    return false;
  }
  fail(expected: string): never {
    throw parseError(`${this.what} (${this.text})`, `unexpected ${this.done ? "end of input" : JSON.stringify(this.peek())} expecting ${expected} (line 1, column ${this.pos + 1})`);
  }
  expect(s: string) { if (!this.eat(s)) this.fail(JSON.stringify(s)); }
  /** A name: "quoted" (with "" or \" escapes) or a run of characters other than the delimiters. */
  name(stop: RegExp): string {
    if (this.eat('"')) {
      let out = "";
      while (!this.done && this.peek() !== '"') {
        if (this.peek() === "\\" && this.pos + 1 < this.text.length) this.pos++;
        out += this.text[this.pos++];
      }
      this.expect('"');
      return out;
    }
    const start = this.pos;
    while (!this.done && !stop.test(this.peek()) && !this.text.startsWith("->", this.pos) && !this.text.startsWith("::", this.pos)) this.pos++;
    const name = this.text.slice(start, this.pos).trim();
    if (!name) this.fail("a name");
    return name;
  }
  field(stop: RegExp): Field {
    const name = this.name(stop);
    const path: JsonStep[] = [];
    while (this.text.startsWith("->", this.pos)) {
      const arrow = this.eat("->>") ? "->>" : (this.pos += 2, "->");
      path.push({ arrow, key: this.name(stop) });
    }
    return { name, path };
  }
}

// A name stops at these (and at -> and ::); "." starts an aggregate (`col.sum()`), as in PostgREST.
const SELECT_STOP = /[,()!:.]/;

function selectItems(c: Cursor, depth: number): SelectItem[] {
  if (depth > 16) c.fail("a shallower select");
  const items: SelectItem[] = [];
  if (c.peek() === ")" || c.done) return items;
  do items.push(selectItem(c, depth)); while (c.eat(","));
  return items;
}

function selectItem(c: Cursor, depth: number): SelectItem {
  if (c.eat("*")) return { type: "star" };
  const spread = c.eat("...");
  let alias: string | undefined;
  let field = c.field(SELECT_STOP);
  if (c.peek() === ":" && c.peek(2) !== "::") {
    c.pos++;
    if (field.path.length) c.fail("an alias without ->");
    alias = field.name;
    field = c.field(SELECT_STOP);
  }
  // count() is the aggregate, never an embed named count (PostgREST's pRelationSelect guard).
  if (!spread && field.name === "count" && !field.path.length && c.eat("()")) {
    return { type: "column", field: { name: "*", path: [] }, alias, aggregate: "count", aggregateCast: c.eat("::") ? c.name(SELECT_STOP) : undefined };
  }
  if (c.peek() === "!" || c.peek() === "(") {
    if (field.path.length || field.name === "count") c.fail("an embedded resource name");
    let join: "left" | "inner" = "left";
    let hint: string | undefined;
    while (c.eat("!")) {
      const word = c.name(SELECT_STOP);
      if (word === "inner" || word === "left") join = word;
      else if (hint === undefined) hint = word;
      else c.fail("at most one hint");
    }
    c.expect("(");
    const select = selectItems(c, depth + 1);
    c.expect(")");
    return { type: "embed", name: field.name, alias, hint, join, spread, select };
  }
  if (spread) c.fail("an embedded resource after ...");
  let cast: string | undefined;
  if (c.eat("::")) cast = c.name(SELECT_STOP);
  let aggregate: Aggregate | undefined;
  let aggregateCast: string | undefined;
  if (c.eat(".")) {
    const start = c.pos;
    const word = c.name(SELECT_STOP);
    if (!AGGREGATES.has(word) || !c.eat("()")) { c.pos = start; c.fail("an aggregate: sum(), avg(), count(), max() or min()"); }
    aggregate = word as Aggregate;
    if (c.eat("::")) aggregateCast = c.name(SELECT_STOP);
  }
  return { type: "column", field, alias, cast, aggregate, aggregateCast };
}

/** select=… (postgrest-js has already removed whitespace outside quotes). */
export function parseSelect(text: string): SelectItem[] {
  const c = new Cursor(text, "select");
  const items = selectItems(c, 0);
  if (!c.done) c.fail('"," or end of input');
  return items;
}

/** `[not.]op[(any|all)][(lang)].value`; the value of a top-level filter is everything after the dot. */
export function parseFilterValue(field: Field, text: string, what: string): Filter {
  const m = /^(not\.)?([a-z]+)(?:\((any|all)\))?(?:\(([^()]*)\))?\.([\s\S]*)$/.exec(text);
  if (!m || !OPERATORS.has(m[2])) throw parseError(`filter (${what}=${text})`, "unknown operator or missing value");
  const [, not, op, quant, lang, value] = m;
  if (quant && !QUANTIFIABLE.has(op)) throw parseError(`filter (${what}=${text})`, `${op} does not take (any) or (all)`);
  if (lang !== undefined && !FTS.has(op)) throw parseError(`filter (${what}=${text})`, `${op} does not take a language`);
  return { type: "filter", field, negate: !!not, op, quant: quant as Filter["quant"], lang, value };
}

/** A filter key's field: `col` or `col->a->>b`. */
export function parseField(text: string, what: string): Field {
  const c = new Cursor(text, what);
  const field = c.field(/[,()]/);
  if (!c.done) c.fail("end of input");
  return field;
}

/** A value inside a logic tree: "quoted", {braces}, (parens) for in, else up to the next , or ). */
function treeValue(c: Cursor): string {
  if (c.peek() === '"') return c.name(/[,)]/);
  const start = c.pos;
  let depth = 0;
  while (!c.done) {
    const ch = c.peek();
    if (ch === "{" || ch === "(") depth++;
    else if ((ch === "}" || ch === ")") && depth > 0) depth--;
    else if ((ch === "," || ch === ")") && depth === 0) break;
    c.pos++;
  }
  return c.text.slice(start, c.pos);
}

function treeElement(c: Cursor, depth: number): Condition {
  if (depth > 16) c.fail("a shallower logic tree");
  const negate = c.eat("not.");
  for (const op of ["and", "or"] as const) {
    if (c.eat(`${op}(`)) return logicBody(c, op, negate, depth + 1);
  }
  const field = c.field(/[.,()]/);
  c.expect(".");
  const opStart = c.pos;
  const head = /^(not\.)?([a-z]+)(?:\((any|all)\))?(?:\(([^()]*)\))?\./.exec(c.text.slice(c.pos));
  if (!head || !OPERATORS.has(head[2])) c.fail("an operator");
  c.pos = opStart + head[0].length;
  const value = treeValue(c);
  const filter = parseFilterValue(field, `${head[0]}${value}`, "logic tree");
  return negate ? { type: "logic", op: "and", negate: true, children: [filter] } : filter;
}

function logicBody(c: Cursor, op: "and" | "or", negate: boolean, depth: number): Logic {
  const children: Condition[] = [];
  c.eat(" ");
  if (c.peek() === ")") c.fail("a condition");
  do {
    while (c.eat(" "));
    children.push(treeElement(c, depth));
  } while (c.eat(","));
  c.expect(")");
  return { type: "logic", op, negate, children };
}

/** or=(…) / and=(…) / not.or=(…): the value in parentheses. */
export function parseLogic(op: "and" | "or", negate: boolean, text: string): Logic {
  const c = new Cursor(text, "logic tree");
  c.expect("(");
  const tree = logicBody(c, op, negate, 0);
  if (!c.done) c.fail("end of input");
  return tree;
}

/** order=a.desc.nullslast,b */
export function parseOrder(text: string): OrderTerm[] {
  const c = new Cursor(text, "order");
  const terms: OrderTerm[] = [];
  do {
    let field = c.field(/[.,()]/);
    let relation: string | undefined;
    if (!field.path.length && c.eat("(")) {
      relation = field.name;
      field = c.field(/[.,()]/);
      c.expect(")");
    }
    const term: OrderTerm = { field, relation };
    while (c.eat(".")) {
      const word = c.name(/[.,]/);
      if (word === "asc" || word === "desc") term.dir = word;
      else if (word === "nullsfirst" || word === "nullslast") term.nulls = word === "nullsfirst" ? "first" : "last";
      else c.fail("asc, desc, nullsfirst or nullslast");
    }
    terms.push(term);
  } while (c.eat(","));
  if (!c.done) c.fail("end of input");
  return terms;
}

/** in.(a,"b,c") → ['a', 'b,c']; quoted items take \" and \\ escapes. */
export function parseInList(text: string, what: string): string[] {
  const c = new Cursor(text.trim(), what);
  c.expect("(");
  const items: string[] = [];
  if (c.eat(")")) return items;
  do {
    if (c.peek() === '"') items.push(c.name(/[,)]/));
    else {
      const start = c.pos;
      while (!c.done && c.peek() !== "," && c.peek() !== ")") c.pos++;
      items.push(c.text.slice(start, c.pos));
    }
  } while (c.eat(","));
  c.expect(")");
  if (!c.done) c.fail("end of input");
  return items;
}
