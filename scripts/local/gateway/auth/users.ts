// Sign-up, password sign-in, GET and PUT /user, as GoTrue's signup.go, token.go
// (ResourceOwnerPasswordGrant) and user.go. Passwords are bcrypt through pgcrypto, cost 10 like
// GoTrue's, checked with crypt(password, hash) = hash, so hashes are interchangeable with GoTrue's.
// Every write of one request happens in one transaction: no user without its identity, no session
// without its refresh token.
import type { AuthSettings } from "./config.ts";
import { INSTANCE_ID, jsonb, isBanned, mergeExpr, pgError, type Sql, type Tx, type UserRow, userByEmail, userById, userJson } from "./db.ts";
import { AuthError, badRequest, forbidden, invalidCredentials, unprocessable, validationFailed } from "./errors.ts";
import type { Params } from "./input.ts";
import { checkPasswordStrength, MAX_PASSWORD_BYTES, passwordProblem, validateEmail, validatePhone, validateRecipient } from "./rules.ts";
import { type Authenticated, createSession, type Grant, sessionResponse } from "./sessions.ts";

export interface AuthCtx { settings: AuthSettings; sql: Sql; grant: Grant }

export const HASH = "extensions.crypt($1, extensions.gen_salt('bf', 10))";

const userExists = () => unprocessable("user_already_exists", "User already registered");
export const emailExists = () => unprocessable("email_exists", "A user with this email address has already been registered");

/** A unique violation on the email index (a concurrent sign-up won the race): the same answer as a known email. */
function raceLost(err: unknown, answer: () => AuthError): never {
  const pg = pgError(err);
  if (pg?.code === "23505" && /email/.test(pg.constraint)) throw answer();
  throw err;
}

/** Insert a user with an email identity (and optionally confirmed) in tx; GoTrue's signupNewUser + createNewIdentity. */
export async function insertEmailUser(tx: Tx, u: {
  email: string; password: string | null; data: Record<string, unknown>; confirmed: boolean; invited?: boolean; id?: string;
}): Promise<string> {
  const meta = u.confirmed ? { ...u.data, email_verified: true } : u.data;
  const [{ id }] = await tx.unsafe<{ id: string }[]>(`
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, invited_at,
      confirmation_token, confirmation_sent_at, recovery_token, email_change_token_new, email_change,
      raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
    values ($2, coalesce($3::uuid, gen_random_uuid()), 'authenticated', 'authenticated', $4,
      case when $1::text is null then '' else ${HASH} end,
      case when $5 then now() end, case when $6 then now() end,
      '', case when not $5 then now() end, '', '', '',
      '{"provider": "email", "providers": ["email"]}'::jsonb, $7::jsonb, now(), now())
    returning id`, [u.password, INSTANCE_ID, u.id ?? null, u.email, u.confirmed, !!u.invited, jsonb(meta)]);
  const identity: Record<string, unknown> = { sub: id, email: u.email, email_verified: false, phone_verified: false };
  for (const [k, v] of Object.entries(u.data)) if (!(k in identity)) identity[k] = v;
  await tx`
    insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
    values (${id}, ${id}, ${tx.json(jsonb(identity))}::jsonb, 'email', now(), now(), now())`;
  return id;
}

/** GoTrue's sanitizeUser: what a sign-up of a confirmed email answers when confirmations are on (nothing is written). */
function fakeUser(email: string, data: Record<string, unknown>) {
  const now = new Date().toISOString();
  return {
    id: crypto.randomUUID(), aud: "authenticated", role: "", email, phone: "", confirmation_sent_at: now,
    app_metadata: { provider: "email", providers: ["email"] }, user_metadata: data, identities: [],
    created_at: now, updated_at: now, is_anonymous: false,
  };
}

/** POST /signup with an email or phone (the anonymous case is decided before, by the caller). */
export async function signup(ctx: AuthCtx, p: Params<"SignupParams">) {
  const { settings } = ctx;
  if (!settings.enableSignup) throw unprocessable("signup_disabled", "Signups not allowed for this instance");
  if (p.password === "") throw validationFailed("Signup requires a valid password");
  checkPasswordStrength(settings, p.password);
  if (p.email !== "" && p.phone !== "") throw validationFailed("Only an email address or phone number should be provided on signup.");
  if (p.email === "") {
    if (!settings.smsEnabled) throw badRequest("phone_provider_disabled", "Phone signups are disabled");
    validatePhone(p.phone);
    throw badRequest("sms_send_failed", "Error sending confirmation OTP to provider: phone sign-ups are not covered by the local Auth stand-in");
  }
  if (!settings.emailEnabled) throw badRequest("email_provider_disabled", "Email signups are disabled");
  const email = validateEmail(p.email);
  const data = p.data ?? {};
  const autoconfirm = settings.mailerAutoconfirm;
  // With confirmations on, GoTrue mails the address: its validation applies.
  if (!autoconfirm) validateRecipient(email);
  try {
    return await ctx.sql.begin(async (tx) => {
      const existing = await userByEmail(tx, email);
      if (existing) {
        if (autoconfirm) throw userExists();
        if (existing.email_confirmed_at) return fakeUser(email, data);
        // Unconfirmed: the confirmation is sent again (not delivered locally).
        await tx`update auth.users set confirmation_sent_at = now(), updated_at = now() where id = ${existing.id}`;
        return await userJson(tx, (await userById(tx, existing.id))!);
      }
      const id = await insertEmailUser(tx, { email, password: p.password, data, confirmed: autoconfirm });
      const user = (await userById(tx, id))!;
      if (!autoconfirm) return await userJson(tx, user);
      const { session, refreshToken } = await createSession(tx, user, ctx.grant);
      return await sessionResponse(settings, tx, id, session, refreshToken);
    });
  } catch (err) {
    raceLost(err, autoconfirm ? userExists : emailExists);
  }
}

/** POST /signup without email or phone, with enable_anonymous_sign_ins (GoTrue's SignupAnonymously): a user without identity, signed in. */
export async function signupAnonymously(ctx: AuthCtx, p: Params<"SignupParams">) {
  if (!ctx.settings.enableSignup) throw unprocessable("signup_disabled", "Signups not allowed for this instance");
  return await ctx.sql.begin(async (tx) => {
    const [{ id }] = await tx<{ id: string }[]>`
      insert into auth.users (instance_id, id, aud, role, encrypted_password, confirmation_token, recovery_token, email_change_token_new,
        email_change, raw_app_meta_data, raw_user_meta_data, is_anonymous, created_at, updated_at)
      values (${INSTANCE_ID}, gen_random_uuid(), 'authenticated', 'authenticated', '', '', '', '', '', '{}'::jsonb,
        ${tx.json(jsonb(p.data ?? {}))}::jsonb, true, now(), now())
      returning id`;
    const { session, refreshToken } = await createSession(tx, (await userById(tx, id))!, ctx.grant);
    return await sessionResponse(ctx.settings, tx, id, session, refreshToken);
  });
}

/** POST /token?grant_type=password. */
export async function passwordGrant(ctx: AuthCtx, p: Params<"PasswordGrantParams">) {
  const { settings } = ctx;
  if (p.email !== "" && p.phone !== "") throw validationFailed("Only an email address or phone number should be provided on login.");
  if (p.email === "" && p.phone === "") throw validationFailed("missing email or phone");
  if (p.email === "") {
    if (!settings.smsEnabled) throw unprocessable("phone_provider_disabled", "Phone logins are disabled");
  } else if (!settings.emailEnabled) {
    throw unprocessable("email_provider_disabled", "Email logins are disabled");
  }
  return await ctx.sql.begin(async (tx) => {
    const [found] = p.email !== ""
      ? await tx<{ id: string; ok: boolean | null }[]>`
          select id, encrypted_password <> '' and extensions.crypt(${p.password}, encrypted_password) = encrypted_password as ok
          from auth.users where lower(email) = lower(${p.email}) and aud = 'authenticated' and is_sso_user = false`
      : await tx<{ id: string; ok: boolean | null }[]>`
          select id, encrypted_password <> '' and extensions.crypt(${p.password}, encrypted_password) = encrypted_password as ok
          from auth.users where phone = ${p.phone.replace(/^\+/, "").replaceAll(" ", "")} and aud = 'authenticated'`;
    if (!found) throw invalidCredentials();
    const user = (await userById(tx, found.id))!;
    if (!user.has_password) throw invalidCredentials();
    if (isBanned(user)) throw badRequest("user_banned", "User is banned");
    // bcrypt reads 72 bytes; Go's refuses longer passwords rather than comparing a prefix.
    if (!found.ok || new TextEncoder().encode(p.password).length > MAX_PASSWORD_BYTES) throw invalidCredentials();
    if (p.email !== "" && !user.email_confirmed_at) throw badRequest("email_not_confirmed", "Email not confirmed");
    if (p.email === "" && !user.phone_confirmed_at) throw badRequest("phone_not_confirmed", "Phone not confirmed");
    const { session, refreshToken } = await createSession(tx, user, ctx.grant);
    // A password that passes no longer (the rules changed since): told, not refused.
    const weak = passwordProblem(settings, p.password);
    const extra = weak?.weakReasons ? { weak_password: { message: weak.message, reasons: weak.weakReasons } } : {};
    return await sessionResponse(settings, tx, user.id, session, refreshToken, extra);
  });
}

/** GET /user: the bearer's user, if the token's audience is the request's. */
export async function getUser(ctx: AuthCtx, who: Authenticated) {
  const aud = Array.isArray(who.claims.aud) ? who.claims.aud[0] : who.claims.aud;
  if (aud !== "authenticated") throw validationFailed("Token audience doesn't match request audience");
  return await userJson(ctx.sql, who.user);
}

/** PUT /user: metadata (merged, null deletes), password (other sessions signed out), email (applied at once: confirmations are off locally). */
export async function updateUser(ctx: AuthCtx, who: Authenticated, p: Params<"UserUpdateParams">) {
  const { settings } = ctx;
  const email = p.email !== "" ? validateEmail(p.email) : "";
  if (p.phone !== "") validatePhone(p.phone);
  if (p.password !== undefined) checkPasswordStrength(settings, p.password);
  if (p.app_metadata !== undefined) throw forbidden("not_admin", "Updating app_metadata requires admin privileges");
  if (who.user.is_anonymous && p.password && email === "" && p.phone === "") {
    throw unprocessable("validation_failed", "Updating password of an anonymous user without an email or phone is not allowed");
  }
  if (p.phone !== "" && p.phone.replace(/^\+/, "").replaceAll(" ", "") !== (who.user.phone ?? "")) {
    throw unprocessable("phone_provider_disabled", "Phone changes are not covered by the local Auth stand-in ([auth.sms] is off)");
  }
  try {
    return await ctx.sql.begin(async (tx) => {
      const user: UserRow | null = await userById(tx, who.user.id, { forUpdate: true });
      if (!user) throw forbidden("user_not_found", "User from sub claim in JWT does not exist");
      if (email !== "" && email !== user.email) {
        const [taken] = await tx`select 1 from auth.users where lower(email) = ${email} and id <> ${user.id} and is_sso_user = false`;
        if (taken) throw emailExists();
      }
      if (p.password !== undefined && p.password !== "") {
        const [{ same }] = await tx<{ same: boolean }[]>`
          select coalesce(encrypted_password <> '' and extensions.crypt(${p.password}, encrypted_password) = encrypted_password, false) as same
          from auth.users where id = ${user.id}`;
        if (same) throw unprocessable("same_password", "New password should be different from the old password.");
      }
      if (p.password !== undefined) {
        await tx.unsafe(`update auth.users set encrypted_password = case when $1 = '' then '' else ${HASH} end,
          confirmation_token = '', confirmation_sent_at = null, recovery_token = '', recovery_sent_at = null,
          email_change_token_current = '', email_change_token_new = '', email_change_sent_at = null,
          phone_change_token = '', phone_change_sent_at = null, reauthentication_token = '', reauthentication_sent_at = null,
          updated_at = now() where id = $2`, [p.password, user.id]);
        // A password change signs out every other session.
        if (who.session) await tx`delete from auth.sessions where user_id = ${user.id} and id <> ${who.session.id}`;
        else await tx`delete from auth.sessions where user_id = ${user.id}`;
      }
      if (p.data !== undefined) {
        await tx.unsafe(`update auth.users set raw_user_meta_data = ${mergeExpr("raw_user_meta_data", "$1")}, updated_at = now() where id = $2`,
          [jsonb(p.data), user.id]);
      }
      if (email !== "" && email !== user.email) {
        await tx`update auth.users set email = ${email}, email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now() where id = ${user.id}`;
        await tx`update auth.identities set identity_data = identity_data || jsonb_build_object('email', ${email}::text), updated_at = now()
                 where user_id = ${user.id} and provider = 'email'`;
      }
      return await userJson(tx, (await userById(tx, user.id))!);
    });
  } catch (err) {
    raceLost(err, emailExists);
  }
}
