// A local stand-in for Supabase Storage: the /storage/v1/object endpoints storage-js calls.
// Bytes live on disk under STORAGE_ROOT, named by object id (so no key can reach outside it);
// rows live in storage.objects. Every operation runs as the caller, so the bucket's RLS
// policies decide, with the permission probe before uploads that the real service runs.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import type { GatewayConfig } from "./config.ts";
import { bearerToken, mapAuthorization, verifyJwt } from "./jwt.ts";
import { boundaryOf, parseMultipart } from "./multipart.ts";
import { anonCaller, serviceCaller, type StorageCaller, StorageDb, type Tx } from "./storage-db.ts";
import {
  accessDenied, duplicate, entityTooLarge, invalidJwt, invalidKey, invalidMimeType, invalidRequest, noSuchBucket, noSuchKey,
  StorageError, storageErrorResponse,
} from "./storage-errors.ts";

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "authorization, x-client-info, apikey, content-type, x-upsert, cache-control, x-metadata",
  "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, DELETE, OPTIONS",
};
const KEY_CHARS = /^[A-Za-z0-9 _/!.*'()&$=@;:+,?-]+$/;
const LIST_COLUMNS = ["name", "updated_at", "created_at", "last_accessed_at"];

interface Bucket { id: string; public: boolean; file_size_limit: string | null; allowed_mime_types: string[] | null }
interface ObjectRow { id: string; name: string; bucket_id: string; version: string | null; metadata: Record<string, unknown> | null; user_metadata: unknown; created_at: Date; updated_at: Date }

const jsonResponse = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { ...CORS, "Content-Type": "application/json" } });

/** bucket and object name from the encoded path after the route prefix; refuses traversal. */
export function parseObjectPath(encoded: string): { bucket: string; name: string } {
  if (/%2f|%5c/i.test(encoded)) throw invalidKey(encoded);
  const [bucketPart, ...parts] = encoded.split("/");
  let bucket: string;
  let segments: string[];
  try {
    bucket = decodeURIComponent(bucketPart);
    segments = parts.map((p) => decodeURIComponent(p));
  } catch {
    throw invalidKey(encoded);
  }
  const name = segments.join("/");
  if (!bucket) throw invalidRequest("bucket name is missing");
  if (!name || name.length > 1024 || !KEY_CHARS.test(name) || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw invalidKey(name || encoded);
  }
  return { bucket, name };
}

function uuidOrNull(value: string | null): string | null {
  return value && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) ? value : null;
}

function mimeAllowed(allowed: string[] | null, type: string): boolean {
  if (!allowed || allowed.length === 0) return true;
  const base = type.split(";")[0].trim().toLowerCase();
  return allowed.some((a) => {
    const rule = a.toLowerCase();
    return rule.endsWith("/*") ? base.startsWith(rule.slice(0, -1)) : base === rule;
  });
}

interface UploadBody { bytes: Uint8Array; mimetype: string; cacheControl: string; userMetadata: unknown }

async function readUpload(req: Request, limit: number): Promise<UploadBody> {
  if (Number(req.headers.get("content-length") ?? 0) > limit + 64 * 1024) throw entityTooLarge();
  const contentType = req.headers.get("content-type") ?? "";
  if (contentType.startsWith("multipart/form-data")) {
    const boundary = boundaryOf(contentType);
    const parts = boundary ? parseMultipart(new Uint8Array(await req.arrayBuffer()), boundary) : null;
    if (!parts) throw invalidRequest("the multipart body is not well formed");
    const file = parts.find((p) => p.filename !== null) ?? parts.find((p) => p.name === "");
    if (!file) throw invalidRequest("the form has no file part");
    const field = (name: string) => {
      const part = parts.find((p) => p.name === name && p.filename === null);
      return part ? new TextDecoder().decode(part.data) : null;
    };
    const cache = field("cacheControl");
    const metadata = field("metadata") ?? field("userMetadata");
    let userMetadata: unknown = null;
    if (metadata !== null) {
      try { userMetadata = JSON.parse(metadata); } catch { throw invalidRequest("metadata is not JSON"); }
    }
    return {
      bytes: file.data,
      mimetype: field("contentType") || file.contentType || "application/octet-stream",
      cacheControl: cache ? `max-age=${cache}` : "no-cache",
      userMetadata,
    };
  }
  let userMetadata: unknown = null;
  const xMeta = req.headers.get("x-metadata");
  if (xMeta) {
    try { userMetadata = JSON.parse(atob(xMeta)); } catch { throw invalidRequest("x-metadata is not base64 JSON"); }
  }
  return {
    bytes: new Uint8Array(await req.arrayBuffer()),
    mimetype: contentType || "application/octet-stream",
    cacheControl: req.headers.get("cache-control") ?? "no-cache",
    userMetadata,
  };
}

export class StorageApi {
  private readonly db: StorageDb;
  private readonly tmpDir: string;

  constructor(private readonly config: GatewayConfig) {
    this.db = new StorageDb(config.storageDbUrl);
    this.tmpDir = join(config.storageRoot, ".tmp");
    mkdirSync(this.tmpDir, { recursive: true });
  }

  close(): Promise<void> {
    return this.db.end();
  }

  async handle(req: Request, url: URL): Promise<Response> {
    if (req.method === "OPTIONS") return new Response("ok", { headers: CORS });
    try {
      const response = await this.route(req, url);
      for (const [k, v] of Object.entries(CORS)) response.headers.set(k, v);
      return response;
    } catch (err) {
      const response = storageErrorResponse(err);
      for (const [k, v] of Object.entries(CORS)) response.headers.set(k, v);
      return response;
    }
  }

  private async route(req: Request, url: URL): Promise<Response> {
    const path = url.pathname.slice("/storage/v1".length);
    const m = /^\/object\/(.*)$/.exec(path);
    if (!m) throw new StorageError("404", "NotFound", "not_found", `no storage route ${req.method} ${path}`, 404);
    const rest = m[1];
    const method = req.method;
    const after = (prefix: string) => rest.slice(prefix.length);
    if (method === "POST" && rest.startsWith("list/")) return await this.list(req, decodeURIComponent(after("list/")));
    if (method === "POST" && rest.startsWith("sign/")) {
      const target = after("sign/");
      return target.includes("/") ? await this.sign(req, parseObjectPath(target)) : await this.signMany(req, decodeURIComponent(target));
    }
    if (method === "GET" && rest.startsWith("sign/")) return await this.fetchSigned(req, url, parseObjectPath(after("sign/")));
    if (method === "GET" && rest.startsWith("info/")) {
      const target = after("info/");
      for (const mode of ["authenticated", "public"] as const) {
        if (target.startsWith(`${mode}/`)) return await this.info(req, mode, parseObjectPath(target.slice(mode.length + 1)));
      }
      return await this.info(req, "default", parseObjectPath(target));
    }
    if (method === "GET" || method === "HEAD") {
      for (const mode of ["authenticated", "public"] as const) {
        if (rest.startsWith(`${mode}/`)) return await this.download(req, url, mode, parseObjectPath(after(`${mode}/`)));
      }
      return await this.download(req, url, "default", parseObjectPath(rest));
    }
    if (method === "POST" || method === "PUT") {
      const upsert = method === "PUT" || req.headers.get("x-upsert") === "true";
      return await this.upload(req, parseObjectPath(rest), upsert);
    }
    if (method === "DELETE") {
      return rest.includes("/") ? await this.removeOne(req, parseObjectPath(rest)) : await this.removeMany(req, decodeURIComponent(rest));
    }
    throw new StorageError("405", "MethodNotAllowed", "method_not_allowed", `${method} is not supported here`, 405);
  }

  /** The caller from the (mapped) Authorization header; lenient routes fall back to anon. */
  private async caller(req: Request, lenient = false): Promise<StorageCaller & { verified: boolean }> {
    const token = bearerToken(mapAuthorization(req.headers, this.config));
    if (!token) {
      if (lenient) return { ...anonCaller, verified: false };
      throw invalidJwt("No authorization header was found");
    }
    try {
      const claims = await verifyJwt(token, this.config.jwtSecret);
      const role = typeof claims.role === "string" ? claims.role : "anon";
      if (!["anon", "authenticated", "service_role"].includes(role)) throw accessDenied(`role ${role} is not allowed`);
      return { role, sub: typeof claims.sub === "string" ? claims.sub : null, token, claims, verified: true };
    } catch (err) {
      if (err instanceof StorageError) throw err;
      if (lenient) return { ...anonCaller, verified: false };
      throw invalidJwt((err as Error).message);
    }
  }

  private async bucket(id: string): Promise<Bucket> {
    const [row] = await this.db.as(serviceCaller, "storage.bucket.get", (tx) =>
      tx<Bucket[]>`select id, public, file_size_limit, allowed_mime_types from storage.buckets where id = ${id}`);
    if (!row) throw noSuchBucket();
    return row;
  }

  private async upload(req: Request, key: { bucket: string; name: string }, upsert: boolean): Promise<Response> {
    const caller = await this.caller(req);
    const bucket = await this.bucket(key.bucket);
    const limit = Math.min(this.config.fileSizeLimit, bucket.file_size_limit === null ? Infinity : Number(bucket.file_size_limit));
    const body = await readUpload(req, limit);
    if (body.bytes.length > limit) throw entityTooLarge();
    if (!mimeAllowed(bucket.allowed_mime_types, body.mimetype)) throw invalidMimeType(body.mimetype);
    const owner = caller.sub;
    // The same statement twice: first as the caller, as a permission probe that is always rolled
    // back (no RETURNING, which would also need a SELECT policy), then as service_role for real.
    const write = (tx: Tx, metadata: Record<string, unknown>, returning: boolean) => {
      const values = tx`(${key.bucket}, ${key.name}, ${uuidOrNull(owner)}, ${owner}, ${tx.json(metadata as never)}, ${tx.json(body.userMetadata as never)}, ${randomUUID()})`;
      const conflict = upsert
        ? tx`on conflict (name, bucket_id) do update set metadata = excluded.metadata, user_metadata = excluded.user_metadata,
               version = excluded.version, owner = excluded.owner, owner_id = excluded.owner_id`
        : tx``;
      return tx<{ id: string }[]>`
        insert into storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, version)
        values ${values} ${conflict} ${returning ? tx`returning id` : tx``}`;
    };
    await this.db.as(caller, "storage.object.upload", (tx) => write(tx, { mimetype: body.mimetype, contentLength: body.bytes.length }, false), { probe: true });
    const tmp = join(this.tmpDir, randomUUID());
    await Deno.writeFile(tmp, body.bytes);
    try {
      const metadata = {
        eTag: `"${createHash("md5").update(body.bytes).digest("hex")}"`,
        size: body.bytes.length,
        mimetype: body.mimetype,
        cacheControl: body.cacheControl,
        lastModified: new Date().toUTCString(),
        contentLength: body.bytes.length,
        httpStatusCode: 200,
      };
      const [row] = await this.db.as(serviceCaller, "storage.object.upload", (tx) => write(tx, metadata, true));
      await Deno.rename(tmp, join(this.config.storageRoot, row.id));
      return jsonResponse({ Id: row.id, Key: `${key.bucket}/${key.name}` });
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
  }

  /** The object row as the caller sees it (private buckets), or as service_role (public routes). */
  private async visibleObject(req: Request, mode: "default" | "authenticated" | "public", key: { bucket: string; name: string }): Promise<ObjectRow> {
    const bucket = await this.bucket(key.bucket);
    let caller: StorageCaller = serviceCaller;
    if (mode === "public") {
      if (!bucket.public) throw noSuchBucket();
    } else {
      const c = await this.caller(req, mode === "default");
      if (!c.verified && !bucket.public) throw noSuchBucket();
      caller = c;
    }
    const [row] = await this.db.as(caller, "storage.object.get", (tx) => tx<ObjectRow[]>`
      select id, name, bucket_id, version, metadata, user_metadata, created_at, updated_at
      from storage.objects where bucket_id = ${key.bucket} and name = ${key.name}`);
    if (!row) throw noSuchKey();
    return row;
  }

  private async serveFile(row: ObjectRow, head: boolean, url: URL, extra: Record<string, string> = {}): Promise<Response> {
    const file = join(this.config.storageRoot, row.id);
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
    if (download !== null) {
      const filename = encodeURIComponent(download || row.name.split("/").at(-1)!);
      headers["Content-Disposition"] = download ? `attachment; filename=${filename}; filename*=UTF-8''${filename}` : "attachment;";
    }
    return new Response(head ? null : await Deno.readFile(file), { status: 200, headers });
  }

  private async download(req: Request, url: URL, mode: "default" | "authenticated" | "public", key: { bucket: string; name: string }): Promise<Response> {
    const row = await this.visibleObject(req, mode, key);
    return await this.serveFile(row, req.method === "HEAD", url);
  }

  private async info(req: Request, mode: "default" | "authenticated" | "public", key: { bucket: string; name: string }): Promise<Response> {
    const row = await this.visibleObject(req, mode, key);
    const meta = row.metadata ?? {};
    return jsonResponse({
      id: row.id, name: row.name, version: row.version, bucket_id: row.bucket_id, size: meta.size ?? null,
      content_type: meta.mimetype ?? null, cache_control: meta.cacheControl ?? null, etag: meta.eTag ?? null,
      metadata: row.user_metadata, last_modified: row.updated_at, created_at: row.created_at,
    });
  }

  private async jsonBody(req: Request): Promise<Record<string, unknown>> {
    try {
      const body = await req.json();
      if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("not an object");
      return body as Record<string, unknown>;
    } catch {
      throw invalidRequest("body must be a JSON object");
    }
  }

  private async list(req: Request, bucketId: string): Promise<Response> {
    const caller = await this.caller(req);
    await this.bucket(bucketId);
    const body = await this.jsonBody(req);
    const prefixRaw = body.prefix ?? "";
    const limit = body.limit ?? 100;
    const offset = body.offset ?? 0;
    const sortBy = (body.sortBy ?? { column: "name", order: "asc" }) as { column?: string; order?: string };
    const search = body.search ?? "";
    if (typeof prefixRaw !== "string" || typeof search !== "string") throw invalidRequest("prefix and search must be strings");
    if (!Number.isInteger(limit) || (limit as number) < 1 || !Number.isInteger(offset) || (offset as number) < 0) {
      throw invalidRequest("limit must be a whole number of 1 or more and offset of 0 or more");
    }
    const column = sortBy.column ?? "name";
    const order = (sortBy.order ?? "asc").toLowerCase();
    if (!LIST_COLUMNS.includes(column) || !["asc", "desc"].includes(order)) throw invalidRequest("sortBy must name a list column and asc or desc");
    const prefix = prefixRaw === "" || prefixRaw.endsWith("/") ? prefixRaw : `${prefixRaw}/`;
    const rows = await this.db.as(caller, "storage.object.list", (tx) => tx`
      with visible as (
        select o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata,
               substr(o.name, ${prefix.length + 1}) as rest
        from storage.objects o
        where o.bucket_id = ${bucketId} and lower(left(o.name, ${prefix.length})) = lower(${prefix})
      ), entries as (
        select distinct on (name) name, id, updated_at, created_at, last_accessed_at, metadata from (
          select split_part(rest, '/', 1) as name, null::uuid as id, null::timestamptz as updated_at, null::timestamptz as created_at,
                 null::timestamptz as last_accessed_at, null::jsonb as metadata, 0 as kind
          from visible where position('/' in rest) > 0
          union all
          select rest, id, updated_at, created_at, last_accessed_at, metadata, 1 from visible where position('/' in rest) = 0
        ) e
        where lower(name) like lower(${search.replace(/[\\%_]/g, (c) => `\\${c}`)}) || '%'
        order by name, kind
      )
      select * from entries
      order by ${tx.unsafe(column)} ${tx.unsafe(order)} nulls last, name
      limit ${limit as number} offset ${offset as number}`);
    return jsonResponse(rows);
  }

  private async removeMany(req: Request, bucketId: string): Promise<Response> {
    const caller = await this.caller(req);
    await this.bucket(bucketId);
    const body = await this.jsonBody(req);
    const names = body.prefixes;
    if (!Array.isArray(names) || names.length < 1 || names.length > 1000 || names.some((n) => typeof n !== "string")) {
      throw invalidRequest("prefixes must be an array of 1 to 1000 object names");
    }
    const deleted = await this.db.as(caller, "storage.object.delete_many", (tx) => tx`
      delete from storage.objects where bucket_id = ${bucketId} and name = any(${names as string[]})
      returning name, bucket_id, owner, owner_id, version, id, updated_at, created_at, last_accessed_at, metadata, user_metadata`);
    for (const row of deleted) await Deno.remove(join(this.config.storageRoot, row.id)).catch(() => {});
    return jsonResponse(deleted);
  }

  private async removeOne(req: Request, key: { bucket: string; name: string }): Promise<Response> {
    const caller = await this.caller(req);
    await this.bucket(key.bucket);
    const deleted = await this.db.as(caller, "storage.object.delete", (tx) => tx`
      delete from storage.objects where bucket_id = ${key.bucket} and name = ${key.name} returning id`);
    if (deleted.length === 0) throw noSuchKey();
    await Deno.remove(join(this.config.storageRoot, deleted[0].id)).catch(() => {});
    return jsonResponse({ message: "Successfully deleted" });
  }

  private async signToken(url: string, expiresIn: number): Promise<string> {
    return await new SignJWT({ url })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
      .sign(new TextEncoder().encode(this.config.jwtSecret));
  }

  private expiresIn(body: Record<string, unknown>): number {
    const value = body.expiresIn;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw invalidRequest("expiresIn must be a whole number of seconds, 1 or more");
    return value;
  }

  private signedPath(key: { bucket: string; name: string }, token: string): string {
    const encoded = key.name.split("/").map(encodeURIComponent).join("/");
    return `/object/sign/${encodeURIComponent(key.bucket)}/${encoded}?token=${token}`;
  }

  private async sign(req: Request, key: { bucket: string; name: string }): Promise<Response> {
    const caller = await this.caller(req);
    const expiresIn = this.expiresIn(await this.jsonBody(req));
    await this.bucket(key.bucket);
    const [row] = await this.db.as(caller, "storage.object.sign", (tx) => tx`
      select id from storage.objects where bucket_id = ${key.bucket} and name = ${key.name}`);
    if (!row) throw noSuchKey();
    return jsonResponse({ signedURL: this.signedPath(key, await this.signToken(`${key.bucket}/${key.name}`, expiresIn)) });
  }

  private async signMany(req: Request, bucketId: string): Promise<Response> {
    const caller = await this.caller(req);
    const body = await this.jsonBody(req);
    const expiresIn = this.expiresIn(body);
    const paths = body.paths;
    if (!Array.isArray(paths) || paths.length < 1 || paths.length > 1000 || paths.some((p) => typeof p !== "string")) {
      throw invalidRequest("paths must be an array of 1 to 1000 object names");
    }
    await this.bucket(bucketId);
    const visible = new Set((await this.db.as(caller, "storage.object.sign", (tx) => tx`
      select name from storage.objects where bucket_id = ${bucketId} and name = any(${paths as string[]})`)).map((r) => r.name));
    const out = [];
    for (const p of paths as string[]) {
      out.push(visible.has(p)
        ? { error: null, path: p, signedURL: this.signedPath({ bucket: bucketId, name: p }, await this.signToken(`${bucketId}/${p}`, expiresIn)) }
        : { error: "Either the object does not exist or you do not have access to it", path: p, signedURL: null });
    }
    return jsonResponse(out);
  }

  private async fetchSigned(req: Request, url: URL, key: { bucket: string; name: string }): Promise<Response> {
    const token = url.searchParams.get("token");
    if (!token) throw invalidJwt("the signed URL has no token");
    let payload: Record<string, unknown>;
    try {
      payload = await verifyJwt(token, this.config.jwtSecret);
    } catch (err) {
      if ((err as { code?: string }).code === "ERR_JWT_EXPIRED") {
        throw new StorageError("400", "InvalidJWT", "ExpiredToken", "The provided token has expired.");
      }
      throw invalidJwt((err as Error).message);
    }
    if (payload.url !== `${key.bucket}/${key.name}`) throw new StorageError("400", "InvalidSignature", "InvalidSignature", "The url do not match the signature");
    const [row] = await this.db.as(serviceCaller, "storage.object.get_signed", (tx) => tx<ObjectRow[]>`
      select id, name, bucket_id, version, metadata, user_metadata, created_at, updated_at
      from storage.objects where bucket_id = ${key.bucket} and name = ${key.name}`);
    if (!row) throw noSuchKey();
    const exp = typeof payload.exp === "number" ? new Date(payload.exp * 1000).toUTCString() : undefined;
    return await this.serveFile(row, req.method === "HEAD", url, exp ? { Expires: exp } : {});
  }
}
