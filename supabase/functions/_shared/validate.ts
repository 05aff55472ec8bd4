// Request bodies: size limit (413), JSON syntax (400), schema (422 with the issues as details).
import { z } from "zod";
import { HttpError } from "./http.ts";

/** `emptyAs`: the value an empty body stands for (for endpoints whose body is optional). */
export async function parseJsonBody<S extends z.ZodType>(req: Request, schema: S, maxBytes = 64 * 1024, opts: { emptyAs?: unknown } = {}): Promise<z.infer<S>> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new HttpError(413, "payload_too_large", `body over ${maxBytes} bytes`);
  const text = await req.text();
  if (new TextEncoder().encode(text).length > maxBytes) {
    throw new HttpError(413, "payload_too_large", `body over ${maxBytes} bytes`);
  }
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
      result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  }
  return result.data;
}
