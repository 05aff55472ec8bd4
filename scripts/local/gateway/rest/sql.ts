// SQL text for the Data API stand-in: identifiers only ever come from the schema cache and are
// quoted here; every value from the request is a bind parameter ($n), never text.

/**
 * A quoted identifier. (postgres.js's own escapeIdentifier also turns every `.` into `"."`, which
 * would split a cached name containing a dot, so this quotes exactly one name.)
 */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** schema.name, both quoted. */
export const qualified = (schema: string, name: string) => `${ident(schema)}.${ident(name)}`;

/**
 * Options for every statement built from a request: unprepared (postgres.js's unnamed statement), as
 * its text names user tables and columns. A named prepared statement would keep its parameter and
 * result types across DDL until the connection closes ("cached plan must not change result type",
 * stale types) and each connection would keep every shape it ever ran; the pool prepares only
 * fixed statements.
 */
export const UNPREPARED = { prepare: false } as const;

/** The bind parameters of one statement. */
export class Params {
  readonly values: unknown[] = [];
  /** A placeholder for value (passed untyped, so Postgres infers its type from the context, as PostgREST's literals are). */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A Postgres array literal of text elements ({"a","b"}), for `= any($n)`. */
export function arrayLiteral(items: string[]): string {
  return `{${items.map((s) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
}
