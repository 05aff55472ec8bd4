// A local stand-in for Supabase Storage, mounted at /storage/v1: the /object endpoints storage-js
// calls. Bytes live on disk under STORAGE_ROOT, named by object id (so no key can reach outside
// it); rows live in storage.objects. Every operation runs as the caller, so the bucket's RLS
// policies decide, with the permission probe before uploads that the real service runs. Errors:
// Storage's body (errors.ts). This file routes; the operations are in upload.ts, objects.ts,
// listing.ts and signing.ts. CORS and preflight are the gateway's (../cors.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { TokenError, verifyToken } from "../../../../supabase/functions/_shared/auth.ts";
import type { ErrorCode } from "../../../../supabase/functions/_shared/http.ts";
import type { GatewayConfig } from "../config.ts";
import { bearerToken, mapAuthorization } from "../jwt.ts";
import type { Routed, Service } from "../service.ts";
import { anonCaller, serviceCaller, StorageDb } from "./db.ts";
import { gatewayStorageError, invalidJwt, noSuchBucket, StorageError, storageErrorResponse } from "./errors.ts";
import { parseBucket, parseObjectPath } from "./input.ts";
import { listObjects } from "./listing.ts";
import { download, info, removeMany, removeOne } from "./objects.ts";
import { sign, signMany } from "./signing.ts";
import { type Bucket, type ObjectKey, PREFIXED_READ_MODES, type ReadMode, type StorageContext, type VerifiedCaller } from "./types.ts";
import { upload } from "./upload.ts";

/** Storage's codes for the gateway's own refusals under /storage/v1. */
const GATEWAY_CODES: Partial<Record<ErrorCode, string>> = {
  method_not_allowed: "MethodNotAllowed",
  payload_too_large: "EntityTooLarge",
  not_found: "NotFound",
  internal: "InternalError",
};

/** The read mode a path after object/ or object/info/ names, and the object. */
function readTarget(target: string): { mode: ReadMode; key: ObjectKey } {
  const mode = PREFIXED_READ_MODES.find((m) => target.startsWith(`${m}/`));
  return mode ? { mode, key: parseObjectPath(target.slice(mode.length + 1)) } : { mode: "default", key: parseObjectPath(target) };
}

export class StorageApi implements Service, StorageContext {
  readonly prefix = "/storage/v1";
  readonly db: StorageDb;
  readonly tmpDir: string;

  constructor(readonly config: GatewayConfig) {
    this.db = new StorageDb(config.storageDbUrl);
    this.tmpDir = join(config.storageRoot, ".tmp");
    mkdirSync(this.tmpDir, { recursive: true });
  }

  error(status: number, code: ErrorCode, message: string): Response {
    return gatewayStorageError(status, GATEWAY_CODES[code] ?? "InvalidRequest", message);
  }

  close(): Promise<void> {
    return this.db.end();
  }

  json(body: unknown, status = 200): Response {
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  }

  async handle(req: Request, { url }: Routed): Promise<Response> {
    try {
      return await this.route(req, url);
    } catch (err) {
      // A refused request's body is not read any further.
      await req.body?.cancel().catch(() => {});
      return storageErrorResponse(err);
    }
  }

  private route(req: Request, url: URL): Promise<Response> {
    const path = url.pathname.slice(this.prefix.length);
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
    if ((method === "GET" || method === "HEAD") && rest.startsWith("sign/")) return download(this, req, url, "signed", parseObjectPath(after("sign/")));
    if (method === "GET" && rest.startsWith("info/")) {
      const { mode, key } = readTarget(after("info/"));
      return info(this, req, url, mode, key);
    }
    if (method === "GET" || method === "HEAD") {
      const { mode, key } = readTarget(rest);
      return download(this, req, url, mode, key);
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

  async caller(req: Request, lenient = false): Promise<VerifiedCaller> {
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
