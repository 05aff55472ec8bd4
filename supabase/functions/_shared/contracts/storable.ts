// What Postgres can store. text and jsonb refuse U+0000, and jsonb refuses unpaired surrogate
// escapes; deeply nested jsonb exhausts the server's stack; JSON.parse turns 1e400 into Infinity,
// which JSON.stringify would silently write as null. (_shared/validate.ts re-exports these.)
import { z } from "zod";

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
