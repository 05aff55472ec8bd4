// Storage inputs, checked before anything touches the database or the disk: bucket and object
// names from the encoded path, JSON bodies (read with a limit while streaming), strings, whole
// numbers and metadata that Postgres can store. Every refusal is Storage's 400 error body.
import { HttpError } from "../../../../supabase/functions/_shared/http.ts";
import { jsonProblem, readBodyText, textProblem } from "../../../../supabase/functions/_shared/validate.ts";
import { entityTooLarge, invalidKey, invalidRequest } from "./errors.ts";
import type { ObjectKey } from "./types.ts";

const KEY_CHARS = /^[A-Za-z0-9 _/!.*'()&$=@;:+,?-]+$/;
const BUCKET_CHARS = /^[A-Za-z0-9 _!.*'()&$=@;:+,?-]+$/;
/** JSON bodies of the list, sign and remove routes. */
const JSON_BODY_LIMIT = 1024 * 1024;

function decode(part: string, whole: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalidKey(whole);
  }
}

/** A bucket id from one encoded path segment. */
export function parseBucket(encoded: string): string {
  if (/%2f|%5c/i.test(encoded)) throw invalidKey(encoded);
  const bucket = decode(encoded, encoded);
  if (!bucket) throw invalidRequest("bucket name is missing");
  if (bucket.length > 100 || !BUCKET_CHARS.test(bucket)) throw invalidRequest("the bucket name has characters a bucket id cannot have");
  return bucket;
}

/** A full object name (from the path or a body), refused unless it is a valid key. */
export function checkName(name: string, shown = name): string {
  const segments = name.split("/");
  if (!name || name.length > 1024 || !KEY_CHARS.test(name) || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw invalidKey(textProblem(shown) ? "(not printable)" : shown);
  }
  return name;
}

/** bucket and object name from the encoded path after the route prefix; refuses traversal. */
export function parseObjectPath(encoded: string): ObjectKey {
  if (/%2f|%5c/i.test(encoded)) throw invalidKey(encoded);
  const [bucketPart, ...parts] = encoded.split("/");
  const bucket = parseBucket(bucketPart);
  const name = parts.map((p) => decode(p, encoded)).join("/");
  return { bucket, name: checkName(name, name || encoded) };
}

/** The JSON object body of a route, limited while streaming. */
export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readBodyText(req, JSON_BODY_LIMIT);
  } catch (err) {
    if (err instanceof HttpError && err.status === 413) throw entityTooLarge();
    throw invalidRequest("the body could not be read as UTF-8");
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidRequest("body must be a JSON object");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) throw invalidRequest("body must be a JSON object");
  return body as Record<string, unknown>;
}

/** A string field the database will store or compare. */
export function storableField(value: unknown, field: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "string") throw invalidRequest(`${field} must be a string`);
  if (textProblem(value)) throw invalidRequest(`${field} ${textProblem(value)}`);
  return value;
}

/** A whole number in [min, max]; Postgres takes every safe integer as bigint. */
export function wholeNumber(value: unknown, field: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidRequest(`${field} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** An array of 1 to 1000 object names. */
export function nameList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > 1000) throw invalidRequest(`${field} must be an array of 1 to 1000 object names`);
  return value.map((v, i) => storableField(v, `${field}[${i}]`));
}

/** User metadata of an upload: any JSON the database can store as jsonb. */
export function userMetadata(text: string | null, source: string): unknown {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest(`${source} is not JSON`);
  }
  const problem = jsonProblem(value);
  if (problem) throw invalidRequest(`${source}: ${problem}`);
  return value;
}

/** A MIME type as a header would carry it (type/subtype, optional parameters). */
export function mimeType(value: string): string {
  if (value.length > 255 || !/^[\w.+-]+\/[\w.+-]+(\s*;[ -~]*)?$/.test(value)) throw invalidRequest("the content type is not a MIME type");
  return value;
}
