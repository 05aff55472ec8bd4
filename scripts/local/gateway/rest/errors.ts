// PostgREST's error responses: {code, details, hint, message}, with PGRST codes for its own errors
// and a database error's SQLSTATE, message, detail and hint passed through, at the HTTP status
// PostgREST gives each (its Error.hs), plus Proxy-Status (and WWW-Authenticate for JWT errors).

export class PgrstError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    readonly hint: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const parseError = (what: string, details: string | null = null) =>
  new PgrstError(400, "PGRST100", `"failed to parse ${what}"`, details);
export const notImplemented = (feature: string) =>
  new PgrstError(400, "PGRST127", "Feature not implemented", `${feature} is not supported by this local stand-in for PostgREST`);
export const unknownColumn = (column: string, table: string) =>
  new PgrstError(400, "PGRST204", `Could not find the '${column}' column of '${table}' in the schema cache`);
export const unknownTable = (schema: string, table: string) =>
  new PgrstError(404, "PGRST205", `Could not find the table '${schema}.${table}' in the schema cache`);
export const jwtError = (message: string, code = "PGRST301") =>
  new PgrstError(401, code, message, null, null, {
    "WWW-Authenticate": `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
  });
export const notSingular = (rows: number) =>
  new PgrstError(406, "PGRST116", "Cannot coerce the result to a single JSON object", `The result contains ${rows} rows`);

/** HTTP status of a database error, as PostgREST's pgErrorStatus (anon decides 42501's 401/403). */
export function sqlStateStatus(code: string, message: string, anon: boolean): number {
  const c2 = code.slice(0, 2);
  if (code === "42501") return anon ? 401 : 403;
  if (code === "23503" || code === "23505") return 409;
  if (code === "25006") return 405;
  if (code === "21000") return /requires a WHERE clause/.test(message) ? 400 : 500;
  if (code === "22023") return /^role .* does not exist/.test(message) ? 401 : 400;
  if (code === "42883" || code === "42P01") return 404;
  if (code === "42P17" || code === "53400" || code === "P0001") return code === "P0001" ? 400 : 500;
  if (code === "57P01") return 503;
  if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
  if (["08", "53"].includes(c2)) return 503;
  if (["0L", "0P", "28"].includes(c2)) return 403;
  if (["09", "25", "2D", "38", "39", "3B", "40", "54", "55", "57", "58", "F0", "HV", "XX", "P0"].includes(c2)) return 500;
  return 400;
}

interface PgLike { name?: string; code?: string; message?: string; detail?: string; hint?: string }

const isPostgresError = (err: unknown): err is PgLike =>
  typeof err === "object" && err !== null && (err as PgLike).name === "PostgresError" && typeof (err as PgLike).code === "string";

/** The PgrstError a thrown value answers as; anything not ours or the database's is an internal error. */
export function toPgrstError(err: unknown, anon: boolean): PgrstError {
  if (err instanceof PgrstError) return err;
  if (isPostgresError(err)) {
    const code = err.code!;
    const message = err.message ?? "";
    return new PgrstError(sqlStateStatus(code, message, anon), code, message, err.detail ?? null, err.hint ?? null);
  }
  console.error("rest: internal error", err);
  return new PgrstError(500, "PGRSTX00", "Internal server error");
}

export function errorResponse(err: PgrstError): Response {
  return new Response(JSON.stringify({ code: err.code, details: err.details, hint: err.hint, message: err.message }), {
    status: err.status,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Proxy-Status": `PostgREST; error=${err.code}`,
      ...err.headers,
    },
  });
}
