// The caller, from a JWT verified here (never only decoded): HS256 with the project's JWT secret
// when one is set; ES256 / RS256 with the project's signing keys (SUPABASE_JWKS, else
// <SUPABASE_URL>/auth/v1/.well-known/jwks.json, cached). `exp` is always required; `iss`
// (JWT_ISSUER, comma-separated) and, for user tokens, `aud` (JWT_AUDIENCE) when configured. Claims
// must be storable as the database will read them (auth.uid() casts sub to uuid, auth.jwt() to jsonb).
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { API_ROLES } from "./contracts/whoami.ts";
import { HttpError } from "./http.ts";
import { jsonProblem } from "./validate.ts";

export interface Caller {
  role: (typeof API_ROLES)[number];
  /** auth.uid(): the user id for a signed-in user, else null. */
  userId: string | null;
  claims: JWTPayload & Record<string, unknown>;
  token: string;
}

export type Claims = JWTPayload & Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ASYMMETRIC = ["ES256", "RS256"];

/** Why a token was refused; the message is safe to show the caller. */
export class TokenError extends Error {}

function bearer(req: Request): string {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new HttpError(401, "unauthorized", "missing or malformed Authorization header");
  return match[1];
}

let keySet: { source: string; get: JWTVerifyGetKey } | undefined;

/** The project's public signing keys: inline (SUPABASE_JWKS) or fetched from Auth and cached. */
function signingKeys(): JWTVerifyGetKey {
  const inline = Deno.env.get("SUPABASE_JWKS");
  const base = Deno.env.get("SUPABASE_URL");
  const source = inline ?? (base ? `${base.replace(/\/+$/, "")}/auth/v1/.well-known/jwks.json` : "");
  if (!source) throw new TokenError("no signing keys are configured (SUPABASE_JWKS or SUPABASE_URL)");
  if (keySet?.source !== source) {
    let get: JWTVerifyGetKey;
    if (inline) {
      let jwks: JSONWebKeySet;
      try {
        jwks = JSON.parse(inline);
      } catch {
        throw new TokenError("SUPABASE_JWKS is not a JSON key set");
      }
      get = createLocalJWKSet(jwks);
    } else {
      get = createRemoteJWKSet(new URL(source), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000, timeoutDuration: 5_000 });
    }
    keySet = { source, get };
  }
  return keySet.get;
}

const listFromEnv = (name: string) => (Deno.env.get(name) ?? "").split(",").map((s) => s.trim()).filter(Boolean);

/**
 * Verify a token's signature and claims and return its claims. Throws TokenError (with a message
 * for the caller) for anything that is not a valid token of this project.
 */
export async function verifyToken(token: string, opts: { secret?: string } = {}): Promise<Claims> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new TokenError("the token is not a JWT");
  }
  const issuer = listFromEnv("JWT_ISSUER");
  const options = { requiredClaims: ["exp"], ...(issuer.length ? { issuer } : {}) };
  let claims: Claims;
  try {
    if (alg === "HS256") {
      const secret = opts.secret ?? Deno.env.get("SUPABASE_JWT_SECRET") ?? Deno.env.get("JWT_SECRET");
      if (!secret) throw new TokenError("HS256 tokens need the project's JWT secret, which is not configured");
      claims = (await jwtVerify(token, new TextEncoder().encode(secret), { ...options, algorithms: ["HS256"] })).payload as Claims;
    } else if (alg && ASYMMETRIC.includes(alg)) {
      claims = (await jwtVerify(token, signingKeys(), { ...options, algorithms: ASYMMETRIC })).payload as Claims;
    } else {
      throw new TokenError(`tokens signed with ${String(alg)} are not accepted`);
    }
  } catch (err) {
    if (err instanceof TokenError) throw err;
    const code = (err as { code?: string }).code;
    throw new TokenError(code === "ERR_JWT_EXPIRED" ? "the token has expired" : "invalid token");
  }
  const problem = claimsProblem(claims);
  if (problem) throw new TokenError(problem);
  return claims;
}

/** What the database could not take from these claims (role, sub, storable JSON), or null. */
export function claimsProblem(claims: Claims): string | null {
  if (typeof claims.role !== "string" || !(API_ROLES as readonly string[]).includes(claims.role)) {
    return `role ${JSON.stringify(claims.role ?? null)} may not use the API`;
  }
  if (claims.sub !== undefined && (typeof claims.sub !== "string" || !UUID.test(claims.sub))) return "the token's sub is not a user id";
  if (claims.role === "authenticated" && claims.sub === undefined) return "user token without a subject";
  const audience = listFromEnv("JWT_AUDIENCE");
  if (claims.role === "authenticated" && audience.length) {
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => typeof a === "string" && audience.includes(a))) return "the token is not for this audience";
  }
  const jsonIssue = jsonProblem(claims, 8);
  return jsonIssue ? `the token's claims cannot be used: ${jsonIssue}` : null;
}

export async function getCaller(req: Request): Promise<Caller> {
  const token = bearer(req);
  let claims: Claims;
  try {
    claims = await verifyToken(token);
  } catch (err) {
    throw new HttpError(401, "unauthorized", err instanceof TokenError ? err.message : "invalid token");
  }
  const role = claims.role as Caller["role"];
  const userId = role === "authenticated" ? claims.sub as string : null;
  return { role, userId, claims, token };
}

export function requireRole(caller: Caller, ...roles: Caller["role"][]): void {
  if (!roles.includes(caller.role)) {
    throw new HttpError(403, "forbidden", `this function needs ${roles.join(" or ")}, not ${caller.role}`);
  }
}
