// Signed URLs: POST /object/sign/<bucket>/<name> {expiresIn}, POST /object/sign/<bucket>
// {expiresIn, paths}, and the check of GET /object/sign/<bucket>/<name>?token=… (the download
// itself is objects.ts's, read mode `signed`). Tokens are HS256 JWTs with the project secret whose
// `url` claim names the object, as the real service's.
import { jwtVerify, SignJWT } from "jose";
import { invalidJwt, StorageError } from "./errors.ts";
import { nameList, readJsonObject, wholeNumber } from "./input.ts";
import { objectRow } from "./rows.ts";
import { keyPath, type ObjectKey, type StorageContext } from "./types.ts";

/** Ten years: a signed URL may live long, but its expiry must stay a valid JWT time. */
const MAX_EXPIRES_IN = 10 * 366 * 86_400;

async function signToken(ctx: StorageContext, url: string, expiresIn: number): Promise<string> {
  return await new SignJWT({ url })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
    .sign(new TextEncoder().encode(ctx.config.jwtSecret));
}

function expiresIn(body: Record<string, unknown>): number {
  if (body.expiresIn === undefined) throw new StorageError("400", "InvalidRequest", "Invalid Request", "expiresIn is required");
  return wholeNumber(body.expiresIn, "expiresIn", 0, 1, MAX_EXPIRES_IN);
}

function signedPath(key: ObjectKey, token: string): string {
  const encoded = key.name.split("/").map(encodeURIComponent).join("/");
  return `/object/sign/${encodeURIComponent(key.bucket)}/${encoded}?token=${token}`;
}

export async function sign(ctx: StorageContext, req: Request, key: ObjectKey): Promise<Response> {
  const caller = await ctx.caller(req);
  const seconds = expiresIn(await readJsonObject(req));
  await ctx.bucket(key.bucket);
  await objectRow(ctx, caller, key, "storage.object.sign");
  return ctx.json({ signedURL: signedPath(key, await signToken(ctx, keyPath(key), seconds)) });
}

export async function signMany(ctx: StorageContext, req: Request, bucketId: string): Promise<Response> {
  const caller = await ctx.caller(req);
  const body = await readJsonObject(req);
  const seconds = expiresIn(body);
  const paths = nameList(body.paths, "paths");
  await ctx.bucket(bucketId);
  const visible = new Set((await ctx.db.as(caller, "storage.object.sign", (tx) => tx`
    select name from storage.objects where bucket_id = ${bucketId} and name = any(${paths})`)).map((r) => r.name));
  const out = [];
  for (const p of paths) {
    const key: ObjectKey = { bucket: bucketId, name: p };
    out.push(visible.has(p)
      ? { error: null, path: p, signedURL: signedPath(key, await signToken(ctx, keyPath(key), seconds)) }
      : { error: "Either the object does not exist or you do not have access to it", path: p, signedURL: null });
  }
  return ctx.json(out);
}

/**
 * A signed URL's read (GET / HEAD /object/sign/<bucket>/<name>?token=…): the token must be valid
 * and name this object. Answers the headers the download adds (Expires, the token's expiry).
 */
export async function signedRead(ctx: StorageContext, url: URL, key: ObjectKey): Promise<Record<string, string>> {
  const token = url.searchParams.get("token");
  if (!token) throw invalidJwt("the signed URL has no token");
  let payload: Record<string, unknown>;
  try {
    payload = (await jwtVerify(token, new TextEncoder().encode(ctx.config.jwtSecret), { algorithms: ["HS256"], requiredClaims: ["exp"] })).payload;
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_JWT_EXPIRED") {
      throw new StorageError("400", "InvalidJWT", "ExpiredToken", "The provided token has expired.");
    }
    throw invalidJwt("the signed URL's token is not valid");
  }
  if (payload.url !== keyPath(key)) throw new StorageError("400", "InvalidSignature", "InvalidSignature", "The url do not match the signature");
  return typeof payload.exp === "number" ? { Expires: new Date(payload.exp * 1000).toUTCString() } : {};
}
