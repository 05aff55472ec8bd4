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

// ---------------------------------------------------------------------------------------------
// What Postgres can store. text and jsonb refuse U+0000, and jsonb refuses unpaired surrogate
// escapes; deeply nested jsonb exhausts the server's stack; JSON.parse turns 1e400 into Infinity,
// which JSON.stringify would silently write as null.

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored as Postgres text, or null when it can. */
export function textProblem(value: string): string | null {
  const m = UNSTORABLE.exec(value);
  if (!m) return null;
  return m[0] === "\u0000" ? "contains a NUL character (U+0000)" : "contains an unpaired UTF-16 surrogate";
}

/** The text with what Postgres cannot store replaced by U+FFFD: for our own messages that quote input. */
export function storableText(value: string): string {
  return value.replace(new RegExp(UNSTORABLE.source, "g"), "\ufffd");
}

/** Nesting of JSON a function stores: objects and arrays within each other. */
export const MAX_JSON_DEPTH = 32;

/** Why a JSON value cannot be stored as jsonb (first problem found, with its path), or null. */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: "", depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === "string") {
      const p = textProblem(v);
      if (p) return `${path || "(value)"} ${p}`;
    } else if (typeof v === "number") {
      if (!Number.isFinite(v)) return `${path || "(value)"} is not a finite number`;
    } else if (v !== null && typeof v === "object") {
      if (depth >= maxDepth) return `${path || "(value)"} is nested deeper than ${maxDepth} levels`;
      for (const [k, child] of Object.entries(v)) {
        const keyProblem = textProblem(k);
        if (keyProblem) return `a key in ${path || "(value)"} ${keyProblem}`;
        stack.push({ v: child, path: path ? `${path}.${k}` : k, depth: depth + 1 });
      }
    }
  }
  return null;
}

/** A string schema refined to what Postgres text can hold. */
export function storableString(schema: z.ZodString = z.string()) {
  return schema.superRefine((value, ctx) => {
    const problem = textProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** A JSON object schema refined to what Postgres jsonb can hold (keys, strings, depth, numbers). */
export function storableRecord(maxDepth = MAX_JSON_DEPTH) {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    const problem = jsonProblem(value, maxDepth);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}
