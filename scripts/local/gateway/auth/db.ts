// The auth schema as GoTrue reads and writes it, through the supabase_auth_admin login (the owner of
// every auth table, as on hosted Supabase): users and identities to the JSON GoTrue answers with
// (internal/models/user.go, identity.go), in one transaction per request.
import postgres from "postgres";
import type { TokenUser } from "./tokens.ts";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
export type Db = Sql | Tx;

export const INSTANCE_ID = "00000000-0000-0000-0000-000000000000";

/**
 * A value for a jsonb parameter (`$n::jsonb`): passed as the object itself, since postgres.js
 * serialises a parameter by the type the server describes for it (a JSON string would be stored
 * as a jsonb string).
 */
export const jsonb = (value: Record<string, unknown>) => value as postgres.JSONValue;

export interface UserRow extends TokenUser {
  email_confirmed_at: Date | null;
  invited_at: Date | null;
  phone_confirmed_at: Date | null;
  confirmation_sent_at: Date | null;
  confirmed_at: Date | null;
  recovery_sent_at: Date | null;
  email_change: string | null;
  email_change_sent_at: Date | null;
  phone_change: string | null;
  phone_change_sent_at: Date | null;
  reauthentication_sent_at: Date | null;
  last_sign_in_at: Date | null;
  created_at: Date;
  updated_at: Date;
  banned_until: Date | null;
  deleted_at: Date | null;
  has_password: boolean;
}

interface IdentityRow {
  id: string;
  provider_id: string;
  user_id: string;
  identity_data: Record<string, unknown> | null;
  provider: string;
  last_sign_in_at: Date | null;
  created_at: Date | null;
  updated_at: Date | null;
  email: string | null;
}

export function openDb(url: string): Sql {
  return postgres(url, { prepare: false, max: 10, onnotice: () => {}, connection: { application_name: "local-auth" } });
}

/** The user columns every handler reads (never the password hash itself). */
export const USER_COLUMNS = `u.id, u.aud, u.role, u.email, u.phone, u.raw_app_meta_data, u.raw_user_meta_data, u.is_anonymous,
  u.email_confirmed_at, u.invited_at, u.phone_confirmed_at, u.confirmation_sent_at, u.confirmed_at, u.recovery_sent_at,
  u.email_change, u.email_change_sent_at, u.phone_change, u.phone_change_sent_at, u.reauthentication_sent_at,
  u.last_sign_in_at, u.created_at, u.updated_at, u.banned_until, u.deleted_at,
  coalesce(u.encrypted_password, '') <> '' as has_password`;

export async function userById(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<UserRow | null> {
  const rows = await db.unsafe<UserRow[]>(`select ${USER_COLUMNS} from auth.users u where u.id = $1${opts.forUpdate ? " for update" : ""}`, [id]);
  return rows[0] ?? null;
}

/** GoTrue's FindUserByEmailAndAudience: case-insensitive, SSO users excluded. */
export async function userByEmail(db: Db, email: string, aud = "authenticated"): Promise<UserRow | null> {
  const rows = await db.unsafe<UserRow[]>(
    `select ${USER_COLUMNS} from auth.users u where lower(u.email) = lower($1) and u.aud = $2 and u.is_sso_user = false`,
    [email, aud],
  );
  return rows[0] ?? null;
}

export function isBanned(user: UserRow): boolean {
  return user.banned_until !== null && user.banned_until.getTime() > Date.now();
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : undefined);

function identityJson(i: IdentityRow) {
  return {
    identity_id: i.id,
    id: i.provider_id,
    user_id: i.user_id,
    ...(i.identity_data ? { identity_data: i.identity_data } : {}),
    provider: i.provider,
    ...(i.last_sign_in_at ? { last_sign_in_at: iso(i.last_sign_in_at) } : {}),
    created_at: iso(i.created_at) ?? null,
    updated_at: iso(i.updated_at) ?? null,
    ...(i.email ? { email: i.email } : {}),
  };
}

/** A user as GoTrue serialises it: null timestamps and empty changes omitted, email/phone "" when absent. */
export async function userJson(db: Db, user: UserRow): Promise<Record<string, unknown>> {
  const identities = await db<IdentityRow[]>`
    select id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at, email
    from auth.identities where user_id = ${user.id} order by created_at, id`;
  const out: Record<string, unknown> = { id: user.id, aud: user.aud ?? "", role: user.role ?? "", email: user.email ?? "" };
  const put = (key: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== "") out[key] = value;
  };
  put("email_confirmed_at", iso(user.email_confirmed_at));
  put("invited_at", iso(user.invited_at));
  out.phone = user.phone ?? "";
  put("phone_confirmed_at", iso(user.phone_confirmed_at));
  put("confirmation_sent_at", iso(user.confirmation_sent_at));
  put("confirmed_at", iso(user.confirmed_at));
  put("recovery_sent_at", iso(user.recovery_sent_at));
  put("new_email", user.email_change);
  put("email_change_sent_at", iso(user.email_change_sent_at));
  put("new_phone", user.phone_change);
  put("phone_change_sent_at", iso(user.phone_change_sent_at));
  put("reauthentication_sent_at", iso(user.reauthentication_sent_at));
  put("last_sign_in_at", iso(user.last_sign_in_at));
  out.app_metadata = user.raw_app_meta_data ?? {};
  out.user_metadata = user.raw_user_meta_data ?? {};
  out.identities = identities.map(identityJson);
  out.created_at = iso(user.created_at) ?? null;
  out.updated_at = iso(user.updated_at) ?? null;
  put("banned_until", iso(user.banned_until));
  put("deleted_at", iso(user.deleted_at));
  out.is_anonymous = user.is_anonymous;
  return out;
}

/** Metadata merged as GoTrue's UpdateUserMetaData does: keys set, `null` deletes a key. */
export function mergeExpr(column: string, param: string): string {
  return `(coalesce(${column}, '{}'::jsonb) || ${param}::jsonb)
    - coalesce((select array_agg(key) from jsonb_each(${param}::jsonb) where value = 'null'::jsonb), '{}'::text[])`;
}

/** A PostgresError's SQLSTATE and constraint, if it is one. */
export function pgError(err: unknown): { code: string; constraint: string } | null {
  const e = err as { name?: string; code?: unknown; constraint_name?: unknown };
  if (e?.name !== "PostgresError" || typeof e.code !== "string") return null;
  return { code: e.code, constraint: typeof e.constraint_name === "string" ? e.constraint_name : "" };
}
