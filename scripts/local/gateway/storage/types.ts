// The names the Storage stand-in's operations share: an object's key, the ways a read reaches an
// object, a bucket's row, and the context every operation works with (StorageApi in api.ts).
import type { GatewayConfig } from "../config.ts";
import type { StorageCaller, StorageDb } from "./db.ts";

/** An object's address: its bucket and its name inside it. */
export interface ObjectKey { bucket: string; name: string }

/** `bucket/name`: an object's key as Storage writes it in answers and signed-URL tokens. */
export const keyPath = (key: ObjectKey): string => `${key.bucket}/${key.name}`;

/**
 * How a read (download, HEAD, info) reaches an object, named by its route:
 * - `default`: object/<bucket>/<name>, as the caller's token says; no token reads a public bucket;
 * - `authenticated`: object/authenticated/…, a valid token required, RLS decides;
 * - `public`: object/public/…, public buckets only, no token needed;
 * - `signed`: object/sign/…?token=, the signed URL's token names the object (downloads only).
 */
export type ReadMode = "default" | "authenticated" | "public" | "signed";

/** The read modes whose route is a path prefix of its own before the bucket. */
export const PREFIXED_READ_MODES = ["authenticated", "public"] as const satisfies readonly ReadMode[];

export interface Bucket { id: string; public: boolean; file_size_limit: string | null; allowed_mime_types: string[] | null }

/** A token's caller, and whether a token was given and verified (lenient routes take none as anon). */
export type VerifiedCaller = StorageCaller & { verified: boolean };

/** What every storage operation works with. */
export interface StorageContext {
  config: GatewayConfig;
  db: StorageDb;
  tmpDir: string;
  bucket(id: string): Promise<Bucket>;
  /** The caller from the (mapped) Authorization header; lenient routes take no token as anon. */
  caller(req: Request, lenient?: boolean): Promise<VerifiedCaller>;
  json(body: unknown, status?: number): Response;
}
