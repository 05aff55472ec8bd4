// Access tokens with exactly GoTrue's claims (internal/tokens/service.go GenerateAccessToken),
// HS256 with the JWT secret; the bearer check GoTrue's requireAuthentication does (signature by
// HS256 or the project's keys by kid, exp); refresh tokens as GoTrue's algorithm v1 makes them.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload, SignJWT } from "jose";
import type { AuthSettings } from "./config.ts";
import { AuthError, forbidden } from "./errors.ts";

export interface TokenUser {
  id: string;
  aud: string | null;
  role: string | null;
  email: string | null;
  phone: string | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  is_anonymous: boolean;
}

export interface TokenSession {
  id: string;
  aal: string | null;
  /** When the sign-in happened (amr timestamp): the session's creation. */
  created_at: Date;
}

export interface AccessToken {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  expires_at: number;
}

export type Claims = JWTPayload & Record<string, unknown>;

const encoder = new TextEncoder();

export async function mintAccessToken(settings: AuthSettings, user: TokenUser, session: TokenSession): Promise<AccessToken> {
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + settings.jwtExpiry;
  const jwt = await new SignJWT({
    aud: user.aud ?? "",
    email: user.email ?? "",
    phone: user.phone ?? "",
    app_metadata: user.raw_app_meta_data ?? {},
    user_metadata: user.raw_user_meta_data ?? {},
    role: user.role ?? "",
    aal: session.aal ?? "aal1",
    amr: [{ method: user.is_anonymous ? "anonymous" : "password", timestamp: Math.floor(session.created_at.getTime() / 1000) }],
    session_id: session.id,
    is_anonymous: user.is_anonymous,
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(settings.issuer)
    .setSubject(user.id)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(encoder.encode(settings.jwtSecret));
  return { access_token: jwt, token_type: "bearer", expires_in: settings.jwtExpiry, expires_at: exp };
}

/** The bearer token of a request (GoTrue's extractBearerToken): 401 no_authorization without one. */
export function bearerOf(authorization: string | null): string {
  const m = authorization ? /^\s*bearer\s+(.+?)\s*$/i.exec(authorization) : null;
  if (!m) throw new AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token");
  return m[1];
}

/** GoTrue's parseJWTClaims: a key by kid from the project's keys, else HS256 with the secret; exp checked. */
export async function verifyBearer(settings: AuthSettings, token: string): Promise<Claims> {
  const fail = (why: string) => forbidden("bad_jwt", `invalid JWT: unable to parse or verify signature, ${why}`);
  let header: { alg?: string; kid?: string };
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw fail("token is malformed: could not JSON decode header");
  }
  try {
    if (header.kid && settings.jwks.keys.some((k) => k.kid === header.kid)) {
      return (await jwtVerify(token, createLocalJWKSet(settings.jwks), { algorithms: ["ES256", "RS256", "EdDSA"] })).payload as Claims;
    }
    if (header.alg === "HS256") {
      return (await jwtVerify(token, encoder.encode(settings.jwtSecret), { algorithms: ["HS256"] })).payload as Claims;
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw fail(code === "ERR_JWT_EXPIRED" ? "token has invalid claims: token is expired" : "token signature is invalid");
  }
  throw fail(`unrecognized JWT kid ${header.kid ?? "<nil>"} for algorithm ${header.alg ?? "<nil>"}`);
}

const BASE32_LOWER = "abcdefghijklmnopqrstuvwxyz234567";

/** A refresh token like GoTrue's v1 (crypto.SecureAlphanumeric(12)): 12 random lowercase base32 characters. */
export function newRefreshToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  // 32 divides 256: every character is equally likely.
  return Array.from(bytes, (b) => BASE32_LOWER[b & 31]).join("");
}
