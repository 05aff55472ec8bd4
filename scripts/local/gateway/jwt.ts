// JWT handling shared by the functions and storage routes: the apikey-header mapping the local
// API gateway applies. Tokens are verified by the functions' own verifyToken (_shared/auth.ts).
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
