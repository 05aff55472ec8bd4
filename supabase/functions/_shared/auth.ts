// The caller, from the JWT the gateway verified (verify_jwt). Where a JWT secret is in the
// environment (local stack, or set as a function secret) the signature is checked here too.
import { decodeJwt, jwtVerify, type JWTPayload } from "jose";
import { HttpError } from "./http.ts";

export interface Caller {
  role: "anon" | "authenticated" | "service_role";
  /** auth.uid(): the user id for a signed-in user, else null. */
  userId: string | null;
  claims: JWTPayload & Record<string, unknown>;
  token: string;
}

function bearer(req: Request): string {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new HttpError(401, "unauthorized", "missing or malformed Authorization header");
  return match[1];
}

export async function getCaller(req: Request): Promise<Caller> {
  const token = bearer(req);
  let claims: JWTPayload & Record<string, unknown>;
  const secret = Deno.env.get("SUPABASE_JWT_SECRET") ?? Deno.env.get("JWT_SECRET");
  try {
    claims = secret
      ? (await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ["HS256"] })).payload
      : decodeJwt(token);
  } catch {
    throw new HttpError(401, "unauthorized", "invalid or expired token");
  }
  const role = claims.role;
  if (role !== "anon" && role !== "authenticated" && role !== "service_role") {
    throw new HttpError(403, "forbidden", `role ${String(role)} may not call this function`);
  }
  const userId = role === "authenticated" && typeof claims.sub === "string" ? claims.sub : null;
  if (role === "authenticated" && !userId) throw new HttpError(401, "unauthorized", "user token without a subject");
  return { role, userId, claims, token };
}

export function requireRole(caller: Caller, ...roles: Caller["role"][]): void {
  if (!roles.includes(caller.role)) {
    throw new HttpError(403, "forbidden", `this function needs ${roles.join(" or ")}, not ${caller.role}`);
  }
}
