// Functions called as /rpc/<fn>: the overload whose named arguments match the request's (defaults
// fill gaps), arguments converted by json_to_record to the declared types (one bind parameter),
// and the result as PostgREST gives it: a scalar as bare JSON, void as 204, a composite as an
// object, SETOF / TABLE results as rows that select, filters, order and limit apply to.
import { PgrstError } from "./errors.ts";
import type { DbFunction, SchemaCache, Table } from "./schema.ts";
import { ident, qualified, type Params } from "./sql.ts";

export function findFunction(cache: SchemaCache, schema: string, name: string, argNames: string[]): DbFunction {
  const overloads = (cache.functions.get(`${schema}.${name}`) ?? []).filter((f) => f.callable);
  const given = new Set(argNames);
  const matches = overloads.filter((f) =>
    argNames.every((a) => f.args.some((x) => x.name === a)) && f.args.every((x) => x.hasDefault || given.has(x.name)));
  if (matches.length === 1) return matches[0];
  const sorted = [...given].sort();
  const shown = sorted.length ? `(${sorted.join(", ")})` : " without parameters";
  if (!matches.length) {
    throw new PgrstError(404, "PGRST202", `Could not find the function ${schema}.${name}${shown} in the schema cache`,
      `Searched for the function ${schema}.${name}${sorted.length ? ` with parameter${sorted.length > 1 ? "s" : ""} ${sorted.join(", ")}` : " without parameters"} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`);
  }
  throw new PgrstError(300, "PGRST203", `Could not choose the best candidate function between: ${matches.map((f) => `${schema}.${name}(${f.args.map((a) => `${a.name} => ${a.type}`).join(", ")})`).join(", ")}`,
    null, "Try renaming the parameters or the function itself in the database so function overloading can be resolved");
}

/** The call expression, and the FROM items that bind its arguments (json_to_record of one parameter). */
export function callSql(params: Params, fn: DbFunction, args: Record<string, unknown>): { call: string; from: string } {
  const used = fn.args.filter((a) => a.name in args);
  const call = `${qualified(fn.schema, fn.name)}(${used.map((a) => `${a.variadic ? "variadic " : ""}${ident(a.name)} := pgrst_args.${ident(a.name)}`).join(", ")})`;
  if (!used.length) return { call, from: "" };
  const record = used.map((a) => `${ident(a.name)} ${a.type}`).join(", ");
  const values = Object.fromEntries(used.map((a) => [a.name, args[a.name]]));
  return { call, from: `json_to_record(${params.add(JSON.stringify(values))}::json) as pgrst_args(${record})` };
}

/** The rows a SETOF / composite function returns, as a table-like source for the read builder; null for scalars. */
export function resultTable(cache: SchemaCache, fn: DbFunction): Table | null {
  if (fn.returnKind !== "composite") return null;
  const table = fn.returnTable ? cache.tables.get(`${fn.schema}.${fn.returnTable}`) : undefined;
  if (table) return table;
  if (!fn.outColumns.length) return null;
  return {
    schema: fn.schema, name: fn.name, kind: "view", primaryKey: [], synthetic: true,
    columns: new Map(fn.outColumns.map((c) => [c.name, c])),
  };
}
