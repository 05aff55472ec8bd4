// Uploads (POST / PUT /object/<bucket>/<name>, raw or multipart). The caller's permission is
// probed before the body is read, and the body is limited while it streams: a raw body goes
// straight to a temporary file, counted and hashed on the way; a multipart body is read up to the
// limit (plus room for the form's own lines). Nothing is stored until all of it checks out.
import { createHash, randomUUID } from "node:crypto";
import { join } from "node:path";
import { HttpError } from "../../../../supabase/functions/_shared/http.ts";
import { readBodyBytes, textProblem } from "../../../../supabase/functions/_shared/validate.ts";
import { serviceCaller, type Tx } from "./db.ts";
import { entityTooLarge, invalidMimeType, invalidRequest } from "./errors.ts";
import { mimeType, userMetadata } from "./input.ts";
import { boundaryOf, parseMultipart } from "./multipart.ts";
import { keyPath, type ObjectKey, type StorageContext } from "./types.ts";

const FORM_OVERHEAD = 64 * 1024;

function mimeAllowed(allowed: string[] | null, type: string): boolean {
  if (!allowed || allowed.length === 0) return true;
  const base = type.split(";")[0].trim().toLowerCase();
  return allowed.some((a) => {
    const rule = a.toLowerCase();
    return rule.endsWith("/*") ? base.startsWith(rule.slice(0, -1)) : base === rule;
  });
}

interface Stored { size: number; md5: string; mimetype: string; cacheControl: string; userMetadata: unknown }

/** Stream a raw body into `file`, refusing it as soon as it passes `limit`. */
async function streamToFile(req: Request, file: string, limit: number): Promise<{ size: number; md5: string }> {
  const md5 = createHash("md5");
  let size = 0;
  const out = await Deno.open(file, { write: true, createNew: true });
  try {
    if (req.body) {
      const reader = req.body.getReader();
      while (true) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch {
          throw invalidRequest("the request body could not be read");
        }
        if (chunk.done) break;
        size += chunk.value.length;
        if (size > limit) {
          await reader.cancel().catch(() => {});
          throw entityTooLarge();
        }
        md5.update(chunk.value);
        let written = 0;
        while (written < chunk.value.length) written += await out.write(chunk.value.subarray(written));
      }
    }
  } finally {
    out.close();
  }
  return { size, md5: md5.digest("hex") };
}

async function readMultipart(req: Request, contentType: string, file: string, limit: number): Promise<Stored> {
  const boundary = boundaryOf(contentType);
  let body: Uint8Array;
  try {
    body = await readBodyBytes(req, limit + FORM_OVERHEAD);
  } catch (err) {
    throw err instanceof HttpError && err.status === 413 ? entityTooLarge() : invalidRequest("the request body could not be read");
  }
  const parts = boundary ? parseMultipart(body, boundary) : null;
  if (!parts) throw invalidRequest("the multipart body is not well formed");
  const filePart = parts.find((p) => p.filename !== null) ?? parts.find((p) => p.name === "");
  if (!filePart) throw invalidRequest("the form has no file part");
  if (filePart.data.length > limit) throw entityTooLarge();
  const field = (name: string) => {
    const part = parts.find((p) => p.name === name && p.filename === null);
    return part ? new TextDecoder().decode(part.data) : null;
  };
  const cache = field("cacheControl");
  if (cache !== null && !/^\d{1,10}$/.test(cache)) throw invalidRequest("cacheControl must be a number of seconds");
  await Deno.writeFile(file, filePart.data, { createNew: true });
  return {
    size: filePart.data.length,
    md5: createHash("md5").update(filePart.data).digest("hex"),
    mimetype: mimeType(field("contentType") || filePart.contentType || "application/octet-stream"),
    cacheControl: cache ? `max-age=${cache}` : "no-cache",
    userMetadata: userMetadata(field("metadata") ?? field("userMetadata"), "metadata"),
  };
}

export async function upload(ctx: StorageContext, req: Request, key: ObjectKey, upsert: boolean): Promise<Response> {
  const caller = await ctx.caller(req);
  const bucket = await ctx.bucket(key.bucket);
  const limit = Math.min(ctx.config.fileSizeLimit, bucket.file_size_limit === null ? Infinity : Number(bucket.file_size_limit));
  const contentType = req.headers.get("content-type") ?? "";
  const multipart = contentType.startsWith("multipart/form-data");
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > limit + (multipart ? FORM_OVERHEAD : 0)) throw entityTooLarge();
  // Raw uploads carry everything in headers: checked before the body is read.
  let xMeta: unknown = null;
  if (!multipart) {
    const header = req.headers.get("x-metadata");
    let decoded: string | null = null;
    if (header) {
      try {
        decoded = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(header), (c) => c.charCodeAt(0)));
      } catch {
        throw invalidRequest("x-metadata is not base64 JSON");
      }
    }
    xMeta = userMetadata(decoded, "x-metadata");
    if (contentType) mimeType(contentType);
  }
  const cacheHeader = req.headers.get("cache-control") ?? "no-cache";
  if (textProblem(cacheHeader) || cacheHeader.length > 200) throw invalidRequest("cache-control is not a header value");
  const owner = caller.sub;
  // The same statement twice: first as the caller, as a permission probe that is always rolled
  // back (no RETURNING, which would also need a SELECT policy), then as service_role for real.
  const write = (tx: Tx, metadata: Record<string, unknown>, userMeta: unknown, returning: boolean) => {
    const values = tx`(${key.bucket}, ${key.name}, ${owner}, ${owner}, ${tx.json(metadata as never)}, ${tx.json(userMeta as never)}, ${randomUUID()})`;
    const conflict = upsert
      ? tx`on conflict (name, bucket_id) do update set metadata = excluded.metadata, user_metadata = excluded.user_metadata,
             version = excluded.version, owner = excluded.owner, owner_id = excluded.owner_id`
      : tx``;
    return tx<{ id: string }[]>`
      insert into storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, version)
      values ${values} ${conflict} ${returning ? tx`returning id` : tx``}`;
  };
  await ctx.db.as(caller, "storage.object.upload", (tx) => write(tx, { mimetype: contentType || "application/octet-stream", contentLength: declared }, null, false), { probe: true });

  const tmp = join(ctx.tmpDir, randomUUID());
  try {
    const stored: Stored = multipart
      ? await readMultipart(req, contentType, tmp, limit)
      : { ...(await streamToFile(req, tmp, limit)), mimetype: contentType || "application/octet-stream", cacheControl: cacheHeader, userMetadata: xMeta };
    if (!mimeAllowed(bucket.allowed_mime_types, stored.mimetype)) throw invalidMimeType(stored.mimetype);
    const metadata = {
      eTag: `"${stored.md5}"`,
      size: stored.size,
      mimetype: stored.mimetype,
      cacheControl: stored.cacheControl,
      lastModified: new Date().toUTCString(),
      contentLength: stored.size,
      httpStatusCode: 200,
    };
    const [row] = await ctx.db.as(serviceCaller, "storage.object.upload", (tx) => write(tx, metadata, stored.userMetadata, true));
    await Deno.rename(tmp, join(ctx.config.storageRoot, row.id));
    return ctx.json({ Id: row.id, Key: keyPath(key) });
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}
