// Request bodies: size limit while streaming (413), UTF-8 and JSON syntax (400), schema (422 with
// the issues as details); and what Postgres can store: no NUL, no unpaired surrogates, bounded
// JSON nesting, finite numbers. Every function checks these before its first side effect.
import { z } from "zod";
import { HttpError } from "./http.ts";

const tooLarge = (maxBytes: number) => new HttpError(413, "payload_too_large", `body over ${maxBytes} bytes`);

/**
 * The body's bytes, read chunk by chunk and abandoned as soon as they pass `maxBytes` (or the
 * declared Content-Length does), so an oversized or endless body never sits in memory.
 */
export async function readBodyBytes(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await req.body?.cancel().catch(() => {});
    throw tooLarge(maxBytes);
  }
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      throw new HttpError(400, "bad_request", "the request body could not be read");
    }
    if (chunk.done) break;
    total += chunk.value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(chunk.value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** The body as text: limited while streaming, and refused (400) when it is not UTF-8. */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  const bytes = await readBodyBytes(req, maxBytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, "bad_request", "body is not valid UTF-8");
  }
}

/** `emptyAs`: the value an empty body stands for (for endpoints whose body is optional). */
export async function parseJsonBody<S extends z.ZodType>(req: Request, schema: S, maxBytes = 64 * 1024, opts: { emptyAs?: unknown } = {}): Promise<z.infer<S>> {
  const text = await readBodyText(req, maxBytes);
  let value: unknown = opts.emptyAs;
  if (text.trim() !== "" || opts.emptyAs === undefined) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new HttpError(400, "bad_request", "body is not valid JSON");
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpError(422, "unprocessable", "body does not match the contract",
      result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join("."), message: i.message })));
  }
  return result.data;
}

// What Postgres can store (no NUL, no unpaired surrogates, bounded JSON nesting, finite numbers):
// defined with the contracts, which frontends compile too, and re-exported here for the functions.
export { jsonProblem, MAX_JSON_DEPTH, storableRecord, storableString, storableText, textProblem } from "./contracts/index.ts";
