// The Auth stand-in's settings: supabase/config.toml's [auth] keys as the Supabase CLI turns them
// into GoTrue's environment (CLI internal/start/start.go buildGotrueEnv), plus the gateway's URL,
// JWT secret and the database login GoTrue uses (supabase_auth_admin).
import { parse as parseToml } from "smol-toml";
import type { JSONWebKeySet } from "jose";

export interface AuthSettings {
  /** GOTRUE_JWT_ISSUER: [auth] jwt_issuer, else the auth external URL (<API URL>/auth/v1). */
  issuer: string;
  jwtSecret: string;
  /** The project's public signing keys (served at /.well-known/jwks.json, accepted by kid). */
  jwks: JSONWebKeySet;
  jwtExpiry: number;
  rotation: boolean;
  reuseInterval: number;
  enableSignup: boolean;
  anonymousSignIns: boolean;
  minPasswordLength: number;
  /** GOTRUE_PASSWORD_REQUIRED_CHARACTERS, split into its character sets. */
  requiredCharacters: string[];
  emailEnabled: boolean;
  /** GOTRUE_MAILER_AUTOCONFIRM = !enable_confirmations. */
  mailerAutoconfirm: boolean;
  smsEnabled: boolean;
  phoneAutoconfirm: boolean;
  /** Requests per IP per 5 minutes: sign-ups, sign-ins and PUT /user; refreshes. Anonymous sign-ins per hour. */
  rateLimits: { signInSignUps: number; tokenRefresh: number; anonymousUsers: number };
  /** supabase_auth_admin login. */
  dbUrl: string;
}

/** The character sets of `password_requirements`, as the CLI passes them (colon-separated, `\:` escapes a colon). */
const REQUIREMENTS: Record<string, string> = {
  "": "",
  letters_digits: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789",
  lower_upper_letters_digits: "abcdefghijklmnopqrstuvwxyz:ABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789",
  lower_upper_letters_digits_symbols: "abcdefghijklmnopqrstuvwxyz:ABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789:!@#$%^&*()_+-=[]{};'\\\\:\"|<>?,./`~",
};

/** GoTrue's PasswordRequiredCharacters.Decode: split on ':', a part ending in '\' joins the next. */
export function decodeRequiredCharacters(value: string): string[] {
  const parts = value.split(":");
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i];
    if (part !== "" && part.endsWith("\\")) {
      parts[i] = part.slice(0, -1) + ":" + parts[i + 1];
      parts[i + 1] = "";
    }
  }
  return parts.filter((p) => p !== "");
}

type Table = Record<string, unknown>;
const table = (v: unknown): Table => (v && typeof v === "object" && !Array.isArray(v) ? v as Table : {});

function num(t: Table, key: string, fallback: number): number {
  const v = t[key];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new Error(`config.toml: ${key} must be a non-negative number`);
  return v;
}

function bool(t: Table, key: string, fallback: boolean): boolean {
  const v = t[key];
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw new Error(`config.toml: ${key} must be true or false`);
  return v;
}

/** The database URL with another user (the CLI gives every service login the database password). */
export function withUser(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  return u.toString();
}

export interface AuthInputs {
  apiUrl: string;
  jwtSecret: string;
  /** The Storage API's login URL: the auth login is the same URL with user supabase_auth_admin. */
  storageDbUrl: string;
  configToml: string;
}

export function loadAuthSettings(inputs: AuthInputs, env: { get(name: string): string | undefined } = Deno.env): AuthSettings {
  const toml = parseToml(Deno.readTextFileSync(inputs.configToml)) as Table;
  const auth = table(toml.auth);
  const email = table(auth.email);
  const sms = table(auth.sms);
  const limits = table(auth.rate_limit);
  const requirements = String(auth.password_requirements ?? "");
  if (!(requirements in REQUIREMENTS)) throw new Error(`config.toml: unknown [auth] password_requirements "${requirements}"`);
  const external = typeof auth.external_url === "string" && auth.external_url ? auth.external_url : `${inputs.apiUrl.replace(/\/+$/, "")}/auth/v1`;
  let jwks: JSONWebKeySet = { keys: [] };
  try {
    jwks = JSON.parse(env.get("SUPABASE_JWKS") ?? '{"keys":[]}');
  } catch { /* the gateway always sets it; an unreadable set is an empty one */ }
  return {
    issuer: typeof auth.jwt_issuer === "string" && auth.jwt_issuer ? auth.jwt_issuer : external,
    jwtSecret: inputs.jwtSecret,
    jwks,
    jwtExpiry: num(auth, "jwt_expiry", 3600),
    rotation: bool(auth, "enable_refresh_token_rotation", true),
    reuseInterval: num(auth, "refresh_token_reuse_interval", 10),
    enableSignup: bool(auth, "enable_signup", true),
    anonymousSignIns: bool(auth, "enable_anonymous_sign_ins", false),
    // The CLI floors it at 6, as GoTrue's default.
    minPasswordLength: Math.max(6, num(auth, "minimum_password_length", 6)),
    requiredCharacters: decodeRequiredCharacters(REQUIREMENTS[requirements]),
    emailEnabled: bool(email, "enabled", true),
    mailerAutoconfirm: !bool(email, "enable_confirmations", false),
    smsEnabled: bool(sms, "enabled", false),
    phoneAutoconfirm: !bool(sms, "enable_confirmations", false),
    rateLimits: {
      signInSignUps: num(limits, "sign_in_sign_ups", 30),
      tokenRefresh: num(limits, "token_refresh", 150),
      anonymousUsers: num(limits, "anonymous_users", 30),
    },
    dbUrl: withUser(inputs.storageDbUrl, "supabase_auth_admin"),
  };
}
