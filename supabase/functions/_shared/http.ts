// HTTP conventions every function shares: CORS headers, the JSON error envelope
// { "error": { "code", "message", "details" } }, and a wrapper that turns thrown errors into it.

export const corsHeaders: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "authorization, x-client-info, apikey, content-type, x-retry-count",
  "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
};

export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "unprocessable"
  | "internal";

/** An error a handler throws on purpose; becomes the envelope with its status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...corsHeaders, "Content-Type": "application/json", ...headers },
  });
}

export function errorResponse(status: number, code: ErrorCode, message: string, details?: unknown): Response {
  return json({ error: { code, message, ...(details === undefined ? {} : { details }) } }, status);
}

/**
 * A statement Postgres refused because of the values it was given (SQLSTATE class 22, data
 * exception; 23, integrity constraint): the caller's input, not our bug. Null for anything else.
 */
export function refusedByDatabase(err: unknown): { status: number; code: ErrorCode; message: string } | null {
  const e = err as { name?: string; code?: unknown };
  if (e?.name !== "PostgresError" || typeof e.code !== "string") return null;
  if (e.code === "23505") return { status: 409, code: "conflict", message: "a row with these values already exists" };
  if (e.code.startsWith("22") || e.code.startsWith("23")) {
    return { status: 422, code: "unprocessable", message: `the database refused a value (SQLSTATE ${e.code})` };
  }
  return null;
}

export type Handler = (req: Request) => Response | Promise<Response>;

/**
 * Wraps a handler: answers CORS preflight, refuses methods not listed, and turns an HttpError into
 * its envelope and anything else into a 500 (logged, details not leaked).
 */
export function withHttp(methods: string[], handler: Handler): Handler {
  return async (req) => {
    if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
    if (!methods.includes(req.method)) {
      return errorResponse(405, "method_not_allowed", `use ${methods.join(" or ")}`);
    }
    try {
      return await handler(req);
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err.status, err.code, err.message, err.details);
      const refused = refusedByDatabase(err);
      if (refused) {
        // Validation should have caught it first; logged so the gap is seen and closed.
        console.error("a value the database refused reached it:", err);
        return errorResponse(refused.status, refused.code, refused.message);
      }
      console.error(err);
      return errorResponse(500, "internal", "internal error");
    }
  };
}
