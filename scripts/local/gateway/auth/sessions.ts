// Sessions as GoTrue keeps them: a sign-in creates an auth.sessions row and its first refresh token
// (models/refresh_token.go createRefreshToken); the refresh grant rotates tokens with reuse
// detection (internal/tokens/service.go RefreshTokenGrant); logout deletes session rows (the
// tokens go by cascade, models/sessions.go); requireAuthentication checks the bearer's user and
// session (api/auth.go), so a signed-out session's access token stops working here.
import type { AuthSettings } from "./config.ts";
import { INSTANCE_ID, isBanned, type Sql, type Tx, type UserRow, userById, userJson } from "./db.ts";
import { AuthError, badRequest, forbidden, OAuthError, validationFailed } from "./errors.ts";
import { type Claims, mintAccessToken, newRefreshToken, verifyBearer, bearerOf } from "./tokens.ts";

/** What a request brings to a grant: GoTrue's GrantParams (user agent and IP, recorded on the session). */
export interface Grant { userAgent: string | null; ip: string | null }

export interface SessionRow { id: string; user_id: string; aal: string | null; created_at: Date; not_after: Date | null }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: unknown): s is string => typeof s === "string" && UUID.test(s);
const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/** A new session and its first refresh token for user, in tx; the user's last_sign_in_at moves to now. */
export async function createSession(tx: Tx, user: UserRow, grant: Grant): Promise<{ session: SessionRow; refreshToken: string }> {
  const [session] = await tx<SessionRow[]>`
    insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)
    values (gen_random_uuid(), ${user.id}, now(), now(), 'aal1', ${grant.userAgent}, ${grant.ip}::inet)
    returning id, user_id, aal::text as aal, created_at, not_after`;
  const refreshToken = newRefreshToken();
  await tx`
    insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
    values (${INSTANCE_ID}, ${refreshToken}, ${user.id}, false, now(), now(), null, ${session.id})`;
  await tx`update auth.users set last_sign_in_at = now(), updated_at = now() where id = ${user.id}`;
  return { session, refreshToken };
}

/** GoTrue's AccessTokenResponse: the access token, its expiry, the refresh token and the user. */
export async function sessionResponse(settings: AuthSettings, tx: Tx, userId: string, session: SessionRow, refreshToken: string, extra: Record<string, unknown> = {}) {
  const user = (await userById(tx, userId))!;
  const access = await mintAccessToken(settings, user, session);
  return { ...access, refresh_token: refreshToken, user: await userJson(tx, user), ...extra };
}

interface TokenRow { id: string; token: string; user_id: string; revoked: boolean; parent: string | null; session_id: string | null; reuse_expired: boolean }

/** Refused after the transaction commits (GoTrue's storage.NewCommitWithError): the family revocation stays. */
class CommitThenRefuse {
  constructor(readonly error: AuthError) {}
}

export async function refreshGrant(settings: AuthSettings, sql: Sql, token: string, grant: Grant) {
  if (token === "") throw new OAuthError("invalid_request", "refresh_token required");
  const outcome = await sql.begin(async (tx) => {
    const [row] = await tx<TokenRow[]>`
      select id, token, user_id, revoked, parent, session_id,
             clock_timestamp() > updated_at + make_interval(secs => ${settings.reuseInterval}) as reuse_expired
      from auth.refresh_tokens where token = ${token} for update`;
    if (!row) throw badRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
    const user = isUuid(row.user_id) ? await userById(tx, row.user_id) : null;
    if (!user) throw badRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
    if (isBanned(user)) throw badRequest("user_banned", "Invalid Refresh Token: User Banned");
    const [session] = row.session_id
      ? await tx<SessionRow[]>`select id, user_id, aal::text as aal, created_at, not_after from auth.sessions where id = ${row.session_id} for update`
      : [];
    if (!session) {
      await tx`delete from auth.refresh_tokens where id = ${row.id}`;
      return new CommitThenRefuse(badRequest("session_not_found", "Invalid Refresh Token: No Valid Session Found"));
    }
    if (session.not_after && session.not_after.getTime() < Date.now()) throw badRequest("session_expired", "Invalid Refresh Token: Session Expired");

    let issued: string | null = null;
    if (row.revoked) {
      const [active] = await tx<{ token: string; parent: string | null }[]>`
        select token, parent from auth.refresh_tokens where session_id = ${session.id} and revoked = false order by id desc limit 1`;
      if (active && active.parent === row.token) {
        // The client did not keep the answer of its last refresh: it gets the same child again.
        issued = active.token;
      } else if (row.reuse_expired) {
        if (settings.rotation) {
          await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = ${session.id} and revoked = false`;
        }
        return new CommitThenRefuse(badRequest("refresh_token_already_used", "Invalid Refresh Token: Already Used"));
      }
    }
    if (issued === null) {
      await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where id = ${row.id}`;
      issued = newRefreshToken();
      await tx`
        insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
        values (${INSTANCE_ID}, ${issued}, ${user.id}, false, now(), now(), ${row.token}, ${session.id})`;
    }
    await tx`
      update auth.sessions set refreshed_at = (now() at time zone 'utc'), updated_at = now(),
        user_agent = coalesce(${grant.userAgent}, user_agent), ip = coalesce(${grant.ip}::inet, ip)
      where id = ${session.id}`;
    return await sessionResponse(settings, tx, user.id, session, issued);
  });
  if (outcome instanceof CommitThenRefuse) throw outcome.error;
  return outcome;
}

export interface Authenticated { claims: Claims; user: UserRow; session: SessionRow | null }

/** GoTrue's maybeLoadUserOrSession: the bearer's user must exist, and its session when it names one. */
async function loadUserAndSession(sql: Sql, claims: Claims): Promise<Authenticated> {
  if (!claims.sub) throw forbidden("bad_jwt", "invalid claim: missing sub claim");
  if (!isUuid(claims.sub)) throw badRequest("bad_jwt", "invalid claim: sub claim must be a UUID");
  const user = await userById(sql, claims.sub);
  if (!user) throw forbidden("user_not_found", "User from sub claim in JWT does not exist");
  let session: SessionRow | null = null;
  const sid = claims.session_id;
  if (sid !== undefined && sid !== null && sid !== "" && sid !== NIL_UUID) {
    if (!isUuid(sid)) throw forbidden("bad_jwt", "invalid claim: session_id claim must be a UUID");
    [session] = await sql<SessionRow[]>`select id, user_id, aal::text as aal, created_at, not_after from auth.sessions where id = ${sid}`;
    if (!session) throw forbidden("session_not_found", "Session from session_id claim in JWT does not exist");
  }
  return { claims, user, session: session ?? null };
}

/** requireAuthentication: a valid bearer whose user (and session) exist and who is not banned. */
export async function authenticate(settings: AuthSettings, sql: Sql, authorization: string | null): Promise<Authenticated> {
  const claims = await verifyBearer(settings, bearerOf(authorization));
  const who = await loadUserAndSession(sql, claims);
  if (isBanned(who.user)) throw forbidden("user_banned", "User is banned");
  return who;
}

/** requireAdminCredentials: a valid bearer with role service_role (GOTRUE_JWT_ADMIN_ROLES); a user token's session must still exist. */
export async function requireAdmin(settings: AuthSettings, sql: Sql, authorization: string | null): Promise<Claims> {
  const claims = await verifyBearer(settings, bearerOf(authorization));
  const sid = claims.session_id;
  if (typeof sid === "string" && sid !== "" && sid !== NIL_UUID) await loadUserAndSession(sql, claims);
  if (claims.role !== "service_role") throw forbidden("not_admin", "User not allowed");
  return claims;
}

const SCOPES = ["global", "local", "others"] as const;

/** POST /logout?scope=global|local|others: this user's sessions, this one, or all but this one. */
export async function logout(sql: Sql, who: Authenticated, scope: string | null): Promise<void> {
  const s = scope === null || scope === "" ? "global" : scope;
  if (!(SCOPES as readonly string[]).includes(s)) throw validationFailed(`Unsupported logout scope ${JSON.stringify(s)}`);
  await sql.begin(async (tx) => {
    if (who.session && s === "local") await tx`delete from auth.sessions where id = ${who.session.id}`;
    else if (who.session && s === "others") await tx`delete from auth.sessions where user_id = ${who.user.id} and id <> ${who.session.id}`;
    else await tx`delete from auth.sessions where user_id = ${who.user.id}`;
  });
}

/** The address a grant records on the session, if it is one (auth.sessions.ip is inet). */
export function ipForSession(addr: string | null): string | null {
  if (!addr) return null;
  if (/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(addr)) return addr;
  try {
    if (addr.includes(":") && /^[0-9a-f:.]+$/i.test(addr)) return new URL(`http://[${addr}]/`).hostname ? addr : null;
  } catch { /* not an address */ }
  return null;
}
