// Reading and removing objects: download (each read mode: plain, authenticated/, public/, a signed
// URL), HEAD, info/, and removal of one object or of a list of names.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type StorageCaller, serviceCaller } from "./db.ts";
import { noSuchBucket, noSuchKey } from "./errors.ts";
import { nameList, readJsonObject } from "./input.ts";
import { type ObjectRow, objectRow } from "./rows.ts";
import { signedRead } from "./signing.ts";
import type { ObjectKey, ReadMode, StorageContext } from "./types.ts";

/** A read's object row and the headers its mode adds to the answer. */
interface Visible { row: ObjectRow; headers: Record<string, string> }

/**
 * The object row as the read mode reaches it: as the caller sees it (default, authenticated), or
 * as service_role once the public bucket or the signed URL's token allows it.
 */
async function visibleObject(ctx: StorageContext, req: Request, url: URL, mode: ReadMode, key: ObjectKey): Promise<Visible> {
  if (mode === "signed") {
    const headers = await signedRead(ctx, url, key);
    return { row: await objectRow(ctx, serviceCaller, key, "storage.object.get_signed"), headers };
  }
  const bucket = await ctx.bucket(key.bucket);
  let caller: StorageCaller = serviceCaller;
  if (mode === "public") {
    if (!bucket.public) throw noSuchBucket();
  } else {
    const c = await ctx.caller(req, mode === "default");
    if (!c.verified && !bucket.public) throw noSuchBucket();
    caller = c;
  }
  return { row: await objectRow(ctx, caller, key), headers: {} };
}

/** Content-Disposition for ?download[=name]: RFC 6266 with an RFC 5987 UTF-8 name. */
function disposition(download: string, fallback: string): string {
  if (!download) return "attachment;";
  let encoded: string;
  try {
    encoded = encodeURIComponent(download);
  } catch {
    encoded = encodeURIComponent(fallback);
  }
  return `attachment; filename=${encoded}; filename*=UTF-8''${encoded}`;
}

async function serveFile(ctx: StorageContext, row: ObjectRow, head: boolean, url: URL, extra: Record<string, string>): Promise<Response> {
  const file = join(ctx.config.storageRoot, row.id);
  if (!existsSync(file)) throw noSuchKey();
  const meta = row.metadata ?? {};
  const headers: Record<string, string> = {
    "Content-Type": String(meta.mimetype ?? "application/octet-stream"),
    "Cache-Control": String(meta.cacheControl ?? "no-cache"),
    "ETag": String(meta.eTag ?? ""),
    "Last-Modified": row.updated_at.toUTCString(),
    "Content-Length": String(meta.size ?? (await Deno.stat(file)).size),
    "Accept-Ranges": "bytes",
    ...extra,
  };
  const download = url.searchParams.get("download");
  if (download !== null) headers["Content-Disposition"] = disposition(download, row.name.split("/").at(-1)!);
  if (head) return new Response(null, { status: 200, headers });
  const handle = await Deno.open(file, { read: true });
  return new Response(handle.readable, { status: 200, headers });
}

export async function download(ctx: StorageContext, req: Request, url: URL, mode: ReadMode, key: ObjectKey): Promise<Response> {
  const { row, headers } = await visibleObject(ctx, req, url, mode, key);
  return await serveFile(ctx, row, req.method === "HEAD", url, headers);
}

export async function info(ctx: StorageContext, req: Request, url: URL, mode: ReadMode, key: ObjectKey): Promise<Response> {
  const { row } = await visibleObject(ctx, req, url, mode, key);
  const meta = row.metadata ?? {};
  return ctx.json({
    id: row.id, name: row.name, version: row.version, bucket_id: row.bucket_id, size: meta.size ?? null,
    content_type: meta.mimetype ?? null, cache_control: meta.cacheControl ?? null, etag: meta.eTag ?? null,
    metadata: row.user_metadata, last_modified: row.updated_at, created_at: row.created_at,
  });
}

export async function removeMany(ctx: StorageContext, req: Request, bucketId: string): Promise<Response> {
  const caller = await ctx.caller(req);
  await ctx.bucket(bucketId);
  const names = nameList((await readJsonObject(req)).prefixes, "prefixes");
  const deleted = await ctx.db.as(caller, "storage.object.delete_many", (tx) => tx`
    delete from storage.objects where bucket_id = ${bucketId} and name = any(${names})
    returning name, bucket_id, owner, owner_id, version, id, updated_at, created_at, last_accessed_at, metadata, user_metadata`);
  for (const row of deleted) await Deno.remove(join(ctx.config.storageRoot, row.id)).catch(() => {});
  return ctx.json(deleted);
}

export async function removeOne(ctx: StorageContext, req: Request, key: ObjectKey): Promise<Response> {
  const caller = await ctx.caller(req);
  await ctx.bucket(key.bucket);
  const deleted = await ctx.db.as(caller, "storage.object.delete", (tx) => tx`
    delete from storage.objects where bucket_id = ${key.bucket} and name = ${key.name} returning id`);
  if (deleted.length === 0) throw noSuchKey();
  await Deno.remove(join(ctx.config.storageRoot, deleted[0].id)).catch(() => {});
  return ctx.json({ message: "Successfully deleted" });
}
