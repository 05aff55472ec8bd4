// GoTrue's error answers (supabase/auth internal/api/errors.go, apierrors/): with a request header
// X-Supabase-Api-Version >= 2024-01-01 the body is {"code": "<error_code>", "message"} (weak
// passwords add "weak_password": {"reasons"}) and the header is echoed; without it the body is
// {"code": <status>, "error_code", "msg"}. Both carry x-sb-error-code. Some paths answer in the
// OAuth shape {"error", "error_description"} (400). auth-js reads `code` only when the answer's
// header says 2024-01-01, else `error_code` (auth-js lib/fetch.ts handleError).

export type ApiVersion = "2024-01-01" | null;

/** GoTrue's DetermineClosestAPIVersion: a YYYY-MM-DD date on or after 2024-01-01, else the initial version. */
export function apiVersionOf(req: Request): ApiVersion {
  const value = req.headers.get("x-supabase-api-version") ?? "";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  // time.ParseInLocation refuses dates that do not exist (2024-02-30).
  if (date.getUTCFullYear() !== Number(m[1]) || date.getUTCMonth() !== Number(m[2]) - 1 || date.getUTCDate() !== Number(m[3])) return null;
  return date.getTime() >= Date.UTC(2024, 0, 1) ? "2024-01-01" : null;
}

/** An HTTPError of GoTrue's: status, error_code and message. */
export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly weakReasons?: string[],
  ) {
    super(message);
  }
}

/** GoTrue's OAuthError: always 400, {"error", "error_description"}. */
export class OAuthError extends Error {
  constructor(readonly error: string, readonly description: string) {
    super(description);
  }
}

export const badRequest = (code: string, message: string) => new AuthError(400, code, message);
export const unprocessable = (code: string, message: string) => new AuthError(422, code, message);
export const forbidden = (code: string, message: string) => new AuthError(403, code, message);
export const notFound = (code: string, message: string) => new AuthError(404, code, message);
export const validationFailed = (message: string) => badRequest("validation_failed", message);
export const badJson = (detail: string) => badRequest("bad_json", `Could not parse request body as JSON: ${detail}`);
export const internal = (message: string) => new AuthError(500, "unexpected_failure", message);
export const rateLimited = () => new AuthError(429, "over_request_rate_limit", "Request rate limit reached");
export const invalidCredentials = () => badRequest("invalid_credentials", "Invalid login credentials");

const JSON_HEADERS = { "Content-Type": "application/json" };

function respond(status: number, body: unknown, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** The answer for an error thrown by a handler, in the shape the request's API version asks for. */
export function authErrorResponse(err: unknown, version: ApiVersion): Response {
  const headers: Record<string, string> = version ? { "X-Supabase-Api-Version": version } : {};
  if (err instanceof OAuthError) return respond(400, { error: err.error, error_description: err.description }, headers);
  let e: AuthError;
  if (err instanceof AuthError) {
    e = err;
  } else {
    // Anything else is our bug (or the database failing): logged, never shown.
    console.error("auth: unexpected failure", err);
    e = internal("Unexpected failure, please check server logs for more information");
  }
  headers["x-sb-error-code"] = e.code;
  const weak = e.weakReasons ? { weak_password: { reasons: e.weakReasons } } : {};
  if (version) return respond(e.status, { code: e.code, message: e.message, ...weak }, headers);
  return respond(e.status, { code: e.status, error_code: e.code, msg: e.message, ...weak }, headers);
}

/** The gateway's own answers under /auth/v1 (a refused method, path or body), in GoTrue's initial shape. */
export function gatewayAuthError(status: number, code: string, message: string): Response {
  const mapped: Record<string, string> = {
    payload_too_large: "request_entity_too_large",
    internal: "unexpected_failure",
    bad_request: "validation_failed",
    method_not_allowed: "validation_failed",
    not_found: "unknown",
  };
  const errorCode = mapped[code] ?? "unknown";
  const msg = code === "payload_too_large" ? `Request body too large (max ${1 << 20} bytes)` : message;
  return respond(status, { code: status, error_code: errorCode, msg }, { "x-sb-error-code": errorCode });
}

/** What chi answers for a path GoTrue has no route for: text/plain "404 page not found". */
export function routeNotFound(): Response {
  return new Response("404 page not found\n", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" } });
}

/** chi's answer for a known path with a method it has no handler for: 405, no body. */
export function methodNotAllowed(allow: string[]): Response {
  return new Response(null, { status: 405, headers: { Allow: allow.join(", ") } });
}
