// CORS for every answer of the gateway, whichever service (or the gateway itself) gave it, so a
// browser on another origin can call it and read its errors, as through Supabase's hosted
// gateway. The functions' own headers (supabase/functions/_shared/http.ts) are the start; the
// headers storage-js, postgrest-js and auth-js send and the ones their answers carry are added.
// Where an answer already has CORS headers (a function's own), lists are merged, never repeated.
import { corsHeaders as functionsCors } from "../../../supabase/functions/_shared/http.ts";
import { METHODS } from "./guard.ts";

/** Headers whose value is a comma-separated list: merged token by token. */
const LISTS = ["Access-Control-Allow-Headers", "Access-Control-Allow-Methods", "Access-Control-Expose-Headers"];

/** `a, b` and `B, c` -> `a, b, c` (the first spelling of a token kept, compared without case). */
function union(...lists: (string | null | undefined)[]): string {
  const seen = new Map<string, string>();
  for (const list of lists) {
    for (const token of (list ?? "").split(",").map((t) => t.trim()).filter(Boolean)) {
      if (!seen.has(token.toLowerCase())) seen.set(token.toLowerCase(), token);
    }
  }
  return [...seen.values()].join(", ");
}

export const CORS_HEADERS: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": union(
    functionsCors["Access-Control-Allow-Headers"],
    // storage-js, postgrest-js, auth-js and functions-js
    "x-upsert, x-metadata, cache-control, range, prefer, accept-profile, content-profile, x-supabase-api-version, x-region",
  ),
  "Access-Control-Allow-Methods": union(functionsCors["Access-Control-Allow-Methods"], METHODS.join(", ")),
  "Access-Control-Expose-Headers": union(
    "Content-Range, Range-Unit, Content-Location, Location, Preference-Applied, Content-Profile, X-Total-Count",
    "ETag, Content-Disposition, Accept-Ranges, X-Supabase-Api-Version, Link", // Link: auth admin listUsers pages
  ),
};

/** How long a browser may reuse a preflight answer (seconds). */
const PREFLIGHT_MAX_AGE = "86400";

/** The gateway's answer to an OPTIONS request no service answers itself. */
export function preflight(): Response {
  return new Response(null, { status: 204, headers: { ...CORS_HEADERS, "Access-Control-Max-Age": PREFLIGHT_MAX_AGE } });
}

function merge(headers: Headers): void {
  for (const [name, value] of Object.entries(CORS_HEADERS)) {
    const own = headers.get(name);
    if (own === null) headers.set(name, value);
    else if (LISTS.includes(name)) headers.set(name, union(own, value));
    // Allow-Origin set by the answer itself (a function naming its origins) is kept as it is.
  }
}

/** The response with the gateway's CORS headers merged into its own. */
export function withCors(res: Response): Response {
  try {
    merge(res.headers);
    return res;
  } catch {
    // Immutable headers (a fetch() answer passed on): the same answer, with headers of its own.
    if (res.status === 101) return res;
    const headers = new Headers(res.headers);
    merge(headers);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }
}
