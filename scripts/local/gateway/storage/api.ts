// A local stand-in for Supabase Storage: the /storage/v1/object endpoints storage-js calls.
// Bytes live on disk under STORAGE_ROOT, named by object id (so no key can reach outside it);
// rows live in storage.objects. Every operation runs as the caller, so the bucket's RLS
// policies decide, with the permission probe before uploads that the real service runs.
// This file routes; the operations are in upload.ts, objects.ts, listing.ts and signing.ts.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { TokenError, verifyToken } from "../../../../supabase/functions/_shared/auth.ts";
import type { GatewayConfig } from "../config.ts";
import { bearerToken, mapAuthorization } from "../jwt.ts";
import { anonCaller, serviceCaller, type StorageCaller, StorageDb } from "./db.ts";
import { invalidJwt, noSuchBucket, StorageError, storageErrorResponse } from "./errors.ts";
import { parseBucket, parseObjectPath } from "./input.ts";
import { listObjects } from "./listing.ts";
import { download, info, removeMany, removeOne } from "./objects.ts";
import { fetchSigned, sign, signMany } from "./signing.ts";
import { upload } from "./upload.ts";

export const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "authorization, x-client-info, apikey, content-type, x-upsert, cache-control, x-metadata",
  "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, DELETE, OPTIONS",
};

export interface Bucket { id: string; public: boolean; file_size_limit: string | null; allowed_mime_types: string[] | null }

/** What every storage operation works with. */
export interface StorageContext {
  config: GatewayConfig;
  db: StorageDb;
  tmpDir: string;
  bucket(id: string): Promise<Bucket>;
  /** The caller from the (mapped) Authorization header; lenient routes take no token as anon. */
  caller(req: Request, lenient?: boolean): Promise<StorageCaller & { verified: boolean }>;
  json(body: unknown, status?: number): Response;
}

export type AccessMode = "default" | "authenticated" | "public";

export class StorageApi implements StorageContext {
  readonly db: StorageDb;
  readonly tmpDir: string;

  constructor(readonly config: GatewayConfig) {
    this.db = new StorageDb(config.storageDbUrl);
    this.tmpDir = join(config.storageRoot, ".tmp");
    mkdirSync(this.tmpDir, { recursive: true });
  }

  close(): Promise<void> {
    return this.db.end();
  }

  json(body: unknown, status = 200): Response {
    return new Response(JSON.stringify(body), { status, headers: { ...CORS, "Content-Type": "application/json" } });
  }

  async handle(req: Request, url: URL): Promise<Response> {
    if (req.method === "OPTIONS") return new Response("ok", { headers: CORS });
    let response: Response;
    try {
      response = await this.route(req, url);
    } catch (err) {
      response = storageErrorResponse(err);
      // A refused request's body is not read any further.
      await req.body?.cancel().catch(() => {});
    }
    for (const [k, v] of Object.entries(CORS)) response.headers.set(k, v);
    return response;
  }

  private route(req: Request, url: URL): Promise<Response> {
    const path = url.pathname.slice("/storage/v1".length);
    const m = /^\/object\/(.*)$/.exec(path);
    if (!m) throw new StorageError("404", "NotFound", "not_found", `no storage route ${req.method} ${path}`, 404);
    const rest = m[1];
    const method = req.method;
    const after = (prefix: string) => rest.slice(prefix.length);
    if (method === "POST" && rest.startsWith("list/")) return listObjects(this, req, parseBucket(after("list/")));
    if (method === "POST" && rest.startsWith("sign/")) {
      const target = after("sign/");
      return target.includes("/") ? sign(this, req, parseObjectPath(target)) : signMany(this, req, parseBucket(target));
    }
    if ((method === "GET" || method === "HEAD") && rest.startsWith("sign/")) return fetchSigned(this, req, url, parseObjectPath(after("sign/")));
    if (method === "GET" && rest.startsWith("info/")) {
      const target = after("info/");
      for (const mode of ["authenticated", "public"] as const) {
        if (target.startsWith(`${mode}/`)) return info(this, req, mode, parseObjectPath(target.slice(mode.length + 1)));
      }
      return info(this, req, "default", parseObjectPath(target));
    }
    if (method === "GET" || method === "HEAD") {
      for (const mode of ["authenticated", "public"] as const) {
        if (rest.startsWith(`${mode}/`)) return download(this, req, url, mode, parseObjectPath(after(`${mode}/`)));
      }
      return download(this, req, url, "default", parseObjectPath(rest));
    }
    if (method === "POST" || method === "PUT") {
      const upsert = method === "PUT" || req.headers.get("x-upsert") === "true";
      return upload(this, req, parseObjectPath(rest), upsert);
    }
    if (method === "DELETE") {
      return rest.includes("/") ? removeOne(this, req, parseObjectPath(rest)) : removeMany(this, req, parseBucket(rest));
    }
    throw new StorageError("405", "MethodNotAllowed", "method_not_allowed", `${method} is not supported here`, 405);
  }

  async caller(req: Request, lenient = false): Promise<StorageCaller & { verified: boolean }> {
    const token = bearerToken(mapAuthorization(req.headers, this.config));
    if (!token) {
      if (lenient) return { ...anonCaller, verified: false };
      throw invalidJwt("No authorization header was found");
    }
    try {
      const claims = await verifyToken(token, { secret: this.config.jwtSecret });
      const role = claims.role as string;
      return { role, sub: typeof claims.sub === "string" ? claims.sub : null, token, claims, verified: true };
    } catch (err) {
      // A token that is there but not valid is refused, never read as no token.
      throw invalidJwt(err instanceof TokenError ? err.message : "invalid token");
    }
  }

  async bucket(id: string): Promise<Bucket> {
    const [row] = await this.db.as(serviceCaller, "storage.bucket.get", (tx) =>
      tx<Bucket[]>`select id, public, file_size_limit, allowed_mime_types from storage.buckets where id = ${id}`);
    if (!row) throw noSuchBucket();
    return row;
  }
}
