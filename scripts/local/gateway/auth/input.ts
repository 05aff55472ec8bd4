// Request bodies, read and validated (zod) before anything touches the database. GoTrue decodes a
// body into a Go struct (retrieveRequestParams): anything that is not JSON, or a field of the wrong
// type, is 400 bad_json "Could not parse request body as JSON: …"; `null` and missing fields are the
// zero value; unknown fields are ignored. What Postgres could not store (NUL, unpaired surrogates,
// metadata nested too deep for the access token's claims) is refused here as validation_failed.
import { z } from "zod";
import { jsonProblem, textProblem } from "../../../../supabase/functions/_shared/validate.ts";
import { badJson, validationFailed } from "./errors.ts";

const str = z.string().nullish().transform((v) => v ?? "");
const optStr = z.string().nullish().transform((v) => v ?? undefined);
const bool = z.boolean().nullish().transform((v) => v ?? false);
const map = z.record(z.string(), z.unknown()).nullish().transform((v) => v ?? undefined);

/** Metadata objects nested at most this deep, so the claims that carry them stay within what token checks accept (8). */
export const METADATA_DEPTH = 7;

export const schemas = {
  SignupParams: z.object({
    email: str, phone: str, password: str, data: map, channel: str, code_challenge: str, code_challenge_method: str,
  }),
  PasswordGrantParams: z.object({ email: str, phone: str, password: str }),
  RefreshTokenGrantParams: z.object({ refresh_token: str }),
  UserUpdateParams: z.object({
    email: str, password: optStr, current_password: optStr, nonce: str, data: map, app_metadata: map, phone: str, channel: str,
    code_challenge: str, code_challenge_method: str,
  }),
  AdminUserParams: z.object({
    id: str, aud: str, role: str, email: str, phone: str, password: optStr, password_hash: str, email_confirm: bool,
    phone_confirm: bool, user_metadata: map, app_metadata: map, ban_duration: str,
  }),
  adminUserDeleteParams: z.object({ should_soft_delete: bool }),
  InviteParams: z.object({ email: str, data: map }),
  GenerateLinkParams: z.object({ type: str, email: str, new_email: str, password: str, data: map, redirect_to: str }),
} as const;

export type Params<K extends keyof typeof schemas> = z.output<(typeof schemas)[K]>;

const GO_TYPES: Record<string, string> = { string: "string", boolean: "bool", object: "map[string]interface {}" };

function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "object" ? "object" : typeof v;
}

/** Strings and metadata the database could not store, or tokens could not carry: validation_failed. */
function storable(value: Record<string, unknown>): void {
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === "string") {
      const p = textProblem(v);
      if (p) throw validationFailed(`${key} ${p}`);
    } else if (v && typeof v === "object") {
      const p = jsonProblem(v, METADATA_DEPTH);
      if (p) throw validationFailed(`${key}: ${p}`);
    }
  }
}

/** Parse body text as GoTrue decodes it into the named params struct. */
export function parseParams<K extends keyof typeof schemas>(name: K, text: string): Params<K> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw badJson(text.trim() === "" ? "unexpected end of JSON input" : (err as Error).message);
  }
  if (raw === null) raw = {};
  if (jsonKind(raw) !== "object") throw badJson(`json: cannot unmarshal ${jsonKind(raw)} into Go value of type api.${name}`);
  const result = schemas[name].safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = String(issue.path[0] ?? "");
    const expected = (schemas[name].shape as Record<string, z.ZodType>)[field];
    const goType = expected ? GO_TYPES[jsonKind(expectedSample(expected))] ?? "string" : "string";
    const given = jsonKind((raw as Record<string, unknown>)[field]);
    throw badJson(`json: cannot unmarshal ${given === "object" ? "object" : given} into Go struct field ${name}.${field} of type ${goType}`);
  }
  storable(result.data as Record<string, unknown>);
  return result.data as Params<K>;
}

/** A value of the type a field schema accepts (to name its Go type in the message). */
function expectedSample(schema: z.ZodType): unknown {
  for (const sample of ["", false, {}]) if (schema.safeParse(sample).success) return sample;
  return "";
}

/** The body of a request as text (invalid UTF-8 becomes U+FFFD, as Go's decoder does), then parsed. */
export async function readParams<K extends keyof typeof schemas>(req: Request, name: K): Promise<Params<K>> {
  return parseParams(name, await req.text());
}

/** A body that may be absent (DELETE /admin/users/<id>): empty means the zero value. */
export async function readOptionalParams<K extends keyof typeof schemas>(req: Request, name: K): Promise<Params<K>> {
  const text = await req.text();
  return parseParams(name, text.length === 0 ? "{}" : text);
}
