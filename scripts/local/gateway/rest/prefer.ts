// Request negotiation as PostgREST reads it: Prefer (split on commas, the first value of each kind
// wins; with handling=strict what is not honoured is PGRST122), Accept (JSON, the singular object,
// else PGRST107) and the Accept-Profile / Content-Profile schema (PGRST106).
import { PgrstError } from "./errors.ts";

export interface Preferences {
  return?: "minimal" | "headers-only" | "representation";
  count?: "exact" | "planned" | "estimated";
  resolution?: "merge-duplicates" | "ignore-duplicates";
  missing?: "default" | "null";
  handling?: "lenient" | "strict";
  maxAffected?: number;
  /** The preferences honoured, for Preference-Applied. */
  applied: string[];
}

const KNOWN: Record<string, string[]> = {
  return: ["minimal", "headers-only", "representation"],
  count: ["exact", "planned", "estimated"],
  resolution: ["merge-duplicates", "ignore-duplicates"],
  missing: ["default", "null"],
  handling: ["lenient", "strict"],
};

export function parsePrefer(headers: Headers): Preferences {
  const prefs: Preferences = { applied: [] };
  const invalid: string[] = [];
  const seen = new Set<string>();
  for (const raw of (headers.get("prefer") ?? "").split(",")) {
    const part = raw.trim();
    if (!part) continue;
    const [name, value = ""] = part.split("=", 2).map((s) => s.trim());
    if (seen.has(name)) continue;
    if (KNOWN[name]?.includes(value)) {
      seen.add(name);
      (prefs as unknown as Record<string, string>)[name] = value;
      prefs.applied.push(`${name}=${value}`);
    } else if (name === "max-affected" && /^\d{1,15}$/.test(value)) {
      seen.add(name);
      prefs.maxAffected = Number(value);
    } else {
      invalid.push(part);
    }
  }
  if (prefs.handling === "strict" && invalid.length) {
    throw new PgrstError(400, "PGRST122", "Invalid preferences given with handling=strict", `Invalid preferences: ${invalid.join(", ")}`);
  }
  if (prefs.handling !== "strict") prefs.maxAffected = undefined;
  return prefs;
}

export type MediaType = "json" | "object";

/** The response media type the Accept header allows (the first one this stand-in serves). */
export function negotiate(accept: string | null): MediaType {
  if (!accept || !accept.trim()) return "json";
  for (const range of accept.split(",")) {
    const [type, ...params] = range.split(";").map((s) => s.trim().toLowerCase());
    if (params.some((p) => p.startsWith("nulls=") || p.startsWith("for="))) continue;
    if (type === "application/vnd.pgrst.object+json" || type === "application/vnd.pgrst.object") return "object";
    if (type === "application/json" || type === "*/*" || type === "application/*") return "json";
  }
  throw new PgrstError(406, "PGRST107", `None of these media types are available: ${accept}`);
}

/** The schema a request addresses: its profile header, else the first exposed schema. */
export function profile(method: string, headers: Headers, schemas: string[]): { schema: string; sent: boolean } {
  const read = method === "GET" || method === "HEAD";
  const header = headers.get(read ? "accept-profile" : "content-profile");
  if (header === null) return { schema: schemas[0], sent: false };
  if (!schemas.includes(header)) {
    throw new PgrstError(406, "PGRST106", `Invalid schema: ${header}`, null, `Only the following schemas are exposed: ${schemas.join(", ")}`);
  }
  return { schema: header, sent: true };
}
