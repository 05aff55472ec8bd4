// JWT handling shared by the gateway's routes: the apikey-header mapping the local API gateway
// applies, and a cache of verified tokens. Tokens are verified by the functions' own verifyToken
// (_shared/auth.ts); the cache only remembers what it verified.
import { decodeProtectedHeader } from "jose";
import { type Claims, verifyToken } from "../../../supabase/functions/_shared/auth.ts";
import { PUBLISHABLE_KEY, SECRET_KEY } from "./config.ts";

export interface KeyMap { anonKey: string; serviceRoleKey: string }

/**
 * The Authorization header a request goes on with: kept when present (unless it carries an
 * opaque sb_ key); otherwise derived from the apikey header (secret key -> service_role JWT,
 * publishable key -> anon JWT, anything else as a bearer token).
 */
export function mapAuthorization(headers: Headers, keys: KeyMap): string | null {
  const auth = headers.get("authorization");
  if (auth && !/^Bearer sb_/i.test(auth)) return auth;
  const apikey = headers.get("apikey") ?? (auth ? auth.replace(/^Bearer\s+/i, "") : null);
  if (!apikey) return null;
  if (apikey === SECRET_KEY) return `Bearer ${keys.serviceRoleKey}`;
  if (apikey === PUBLISHABLE_KEY) return `Bearer ${keys.anonKey}`;
  return `Bearer ${apikey}`;
}

export function bearerToken(authorization: string | null): string | null {
  const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  return m ? m[1] : null;
}

/** What verifyToken reads from the environment besides the token (and the secret when none is given). */
const verifyContext = (secret: string | undefined) =>
  [secret ?? Deno.env.get("SUPABASE_JWT_SECRET") ?? Deno.env.get("JWT_SECRET") ?? "", Deno.env.get("JWT_ISSUER") ?? "",
    Deno.env.get("JWT_AUDIENCE") ?? "", Deno.env.get("SUPABASE_JWKS") ?? ""].join("\n");

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * verifyToken with a bounded cache of the tokens it accepted (as PostgREST keeps one): keyed by the
 * whole token string (signature included, so any other token is verified afresh), an entry serves
 * only while `exp` has not passed, by the check jose makes (whole seconds now < exp), and while
 * what verifyToken reads from the environment is unchanged. Refusals are never cached (each is
 * verified again and answered with verifyToken's own error); asymmetric tokens are cached only
 * against inline keys (SUPABASE_JWKS), never fetched ones. The least recently used entry goes
 * first past `max`. Claims are shared between requests: deeply frozen.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { claims: Claims; exp: number; context: string }>();

  constructor(private readonly secret?: string, private readonly max = 1000) {}

  async verify(token: string): Promise<Claims> {
    const context = verifyContext(this.secret);
    const hit = this.entries.get(token);
    if (hit) {
      this.entries.delete(token);
      if (hit.context === context && Math.floor(Date.now() / 1000) < hit.exp) {
        this.entries.set(token, hit);
        return hit.claims;
      }
    }
    const claims = await verifyToken(token, { secret: this.secret });
    const inlineKeys = decodeProtectedHeader(token).alg === "HS256" || Deno.env.get("SUPABASE_JWKS") !== undefined;
    if (typeof claims.exp === "number" && inlineKeys) {
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(token, { claims: deepFreeze(claims), exp: claims.exp, context });
    }
    return claims;
  }
}
