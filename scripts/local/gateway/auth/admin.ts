// The admin API (service_role only), as GoTrue's admin.go, pagination.go and invite.go: list users
// (page/per_page, newest first, X-Total-Count and Link), create, read, update, delete, invite.
import { INSTANCE_ID, jsonb, mergeExpr, pgError, type Tx, type UserRow, userByEmail, userById, userJson } from "./db.ts";
import { AuthError, internal, notFound, unprocessable, validationFailed } from "./errors.ts";
import type { Params } from "./input.ts";
import { checkPasswordStrength, MAX_PASSWORD_BYTES, parseGoDuration, validateEmail, validatePhone, validateRecipient } from "./rules.ts";
import { isUuid } from "./sessions.ts";
import { type AuthCtx, emailExists, HASH, insertEmailUser } from "./users.ts";

const phoneExists = () => unprocessable("phone_exists", "Phone number already registered by another user");
const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/** A unique violation while writing a user: which value was taken. */
function conflict(err: unknown): never {
  const pg = pgError(err);
  if (pg?.code === "23505" && /email/.test(pg.constraint)) throw emailExists();
  if (pg?.code === "23505" && /phone/.test(pg.constraint)) throw phoneExists();
  if (pg?.code === "23505" && pg.constraint === "users_pkey") throw unprocessable("user_already_exists", "A user with this ID already exists");
  throw err;
}

/** GoTrue's paginate: unsigned integers (strconv.ParseUint); 0 and values past int32 refused here rather than misread. */
function pageParam(url: URL, name: string, fallback: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === "") return fallback;
  if (!/^\d+$/.test(text)) throw validationFailed(`Bad Pagination Parameters: strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number(text);
  if (n < 1 || n > 2 ** 31 - 1) throw validationFailed(`Bad Pagination Parameters: ${name} must be between 1 and ${2 ** 31 - 1}`);
  return n;
}

/** GET /admin/users?page=&per_page=: {users, aud}, X-Total-Count and a Link header auth-js reads (page first). */
export async function listUsers(ctx: AuthCtx, url: URL): Promise<Response> {
  const page = pageParam(url, "page", 1);
  const perPage = pageParam(url, "per_page", 50);
  const { users, total } = await ctx.sql.begin("isolation level repeatable read", async (tx) => {
    const [{ n }] = await tx<{ n: number }[]>`select count(*)::int as n from auth.users where aud = 'authenticated'`;
    const ids = await tx<{ id: string }[]>`
      select id from auth.users where aud = 'authenticated' order by created_at desc, id
      limit ${perPage} offset (${page}::bigint - 1) * ${perPage}::bigint`;
    const rows: Record<string, unknown>[] = [];
    for (const { id } of ids) rows.push(await userJson(tx, (await userById(tx, id))!));
    return { users: rows, total: n };
  });
  const totalPages = Math.ceil(total / perPage);
  const link = (p: number) => {
    const q = new URLSearchParams(url.searchParams);
    q.set("page", String(p));
    // Go's url.Values.Encode sorts the keys: page comes before per_page.
    return `</admin/users?${new URLSearchParams([...q.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))).toString()}>`;
  };
  const header = (totalPages > page ? `${link(page + 1)}; rel="next", ` : "") + `${link(totalPages)}; rel="last"`;
  return new Response(JSON.stringify({ users, aud: "authenticated" }), {
    headers: { "Content-Type": "application/json", Link: header, "X-Total-Count": String(total) },
  });
}

/** GoTrue's loadUser: the path's user id. */
export async function loadUser(ctx: AuthCtx, id: string): Promise<UserRow> {
  if (!isUuid(id)) throw notFound("validation_failed", "user_id must be an UUID");
  const user = await userById(ctx.sql, id);
  if (!user) throw notFound("user_not_found", "User not found");
  return user;
}

function banUntil(text: string): Date | null | undefined {
  if (text === "") return undefined;
  if (text === "none") return null;
  const ms = parseGoDuration(text);
  if (ms === null) throw validationFailed(`invalid format for ban duration: time: invalid duration ${JSON.stringify(text)}`);
  return ms === 0 ? null : new Date(Date.now() + ms);
}

function checkLengths(p: { role: string; aud?: string }): void {
  for (const [k, v] of Object.entries(p)) {
    if (v !== undefined && new TextEncoder().encode(v).length > 255) throw validationFailed(`${k} is longer than 255 characters`);
  }
}

const randomPassword = () => Array.from(crypto.getRandomValues(new Uint8Array(48)), (b) => (b % 36).toString(36)).join("");
const BCRYPT_HASH = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** POST /admin/users. */
export async function createUser(ctx: AuthCtx, p: Params<"AdminUserParams">) {
  const aud = p.aud || "authenticated";
  checkLengths({ role: p.role, aud });
  if (p.email === "" && p.phone === "") throw validationFailed("Cannot create a user without either an email or phone");
  const email = p.email !== "" ? validateEmail(p.email) : null;
  const phone = p.phone !== "" ? validatePhone(p.phone) : null;
  if (p.password !== undefined && p.password_hash !== "") throw validationFailed("Only a password or a password hash should be provided");
  if (p.password_hash !== "" && !BCRYPT_HASH.test(p.password_hash)) throw validationFailed("Invalid password hash format");
  const password = p.password_hash === "" ? (p.password || randomPassword()) : null;
  if (password !== null && new TextEncoder().encode(password).length > MAX_PASSWORD_BYTES) {
    throw validationFailed("bcrypt: password length exceeds 72 bytes");
  }
  if (p.id !== "" && !isUuid(p.id)) throw validationFailed("ID must conform to the uuid v4 format");
  if (p.id === NIL_UUID) throw validationFailed("ID cannot be a nil uuid");
  const banned = banUntil(p.ban_duration);
  const providers = [...(email ? ["email"] : []), ...(phone ? ["phone"] : [])];
  const app = { provider: providers[0], providers };
  try {
    return await ctx.sql.begin(async (tx) => {
      if (email && (await userByEmail(tx, email, aud))) throw emailExists();
      if (phone && (await tx`select 1 from auth.users where phone = ${phone} and aud = ${aud}`).length) throw phoneExists();
      const [{ id }] = await tx.unsafe<{ id: string }[]>(`
        insert into auth.users (instance_id, id, aud, role, email, phone, encrypted_password, email_confirmed_at, phone_confirmed_at,
          confirmation_token, recovery_token, email_change_token_new, email_change, raw_app_meta_data, raw_user_meta_data,
          banned_until, created_at, updated_at)
        values ($2, coalesce(nullif($3, '')::uuid, gen_random_uuid()), $4, $5, $6, $7,
          case when $1::text is null then $8 else ${HASH} end,
          case when $9 then now() end, case when $10 then now() end, '', '', '', '',
          ${mergeExpr("$11::jsonb", "$12")}, $13::jsonb, $14, now(), now())
        returning id`, [
        password, INSTANCE_ID, p.id, aud, p.role || "authenticated", email, phone, p.password_hash, p.email_confirm, p.phone_confirm,
        jsonb(app), jsonb(p.app_metadata ?? {}), jsonb(p.user_metadata ?? {}), banned ?? null,
      ]);
      for (const [provider, value] of [["email", email], ["phone", phone]] as const) {
        if (!value) continue;
        const data = { sub: id, [provider]: value, email_verified: false, phone_verified: false };
        await tx`insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
                 values (${id}, ${id}, ${tx.json(jsonb(data))}::jsonb, ${provider}, now(), now())`;
      }
      return await userJson(tx, (await userById(tx, id))!);
    });
  } catch (err) {
    conflict(err);
  }
}

/** Point the user's identity of a provider at a new value, or create it (GoTrue's adminUserUpdate). */
async function upsertIdentity(tx: Tx, userId: string, provider: "email" | "phone", value: string, verified: boolean): Promise<void> {
  const patch = { [provider]: value, [`${provider}_verified`]: verified };
  const updated = await tx`update auth.identities set identity_data = identity_data || ${tx.json(jsonb(patch))}::jsonb, updated_at = now()
                           where user_id = ${userId} and provider = ${provider} returning id`;
  if (updated.length) return;
  const data = { sub: userId, [provider]: value, email_verified: provider === "email" && verified, phone_verified: provider === "phone" && verified };
  await tx`insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
           values (${userId}, ${userId}, ${tx.json(jsonb(data))}::jsonb, ${provider}, now(), now())`;
}

/** PUT /admin/users/<id>. */
export async function updateUserById(ctx: AuthCtx, user: UserRow, p: Params<"AdminUserParams">) {
  checkLengths({ role: p.role });
  const email = p.email !== "" ? validateEmail(p.email) : null;
  const phone = p.phone !== "" ? validatePhone(p.phone) : null;
  const banned = banUntil(p.ban_duration);
  if (p.password !== undefined) checkPasswordStrength(ctx.settings, p.password);
  try {
    return await ctx.sql.begin(async (tx) => {
      const id = user.id;
      if (p.role !== "") await tx`update auth.users set role = ${p.role} where id = ${id}`;
      if (p.email_confirm) await tx`update auth.users set email_confirmed_at = now(), confirmation_token = '' where id = ${id}`;
      if (p.phone_confirm) await tx`update auth.users set phone_confirmed_at = now(), confirmation_token = '' where id = ${id}`;
      if (p.password !== undefined) {
        await tx.unsafe(`update auth.users set encrypted_password = ${HASH}, recovery_token = '', recovery_sent_at = null where id = $2`, [p.password, id]);
        // Without a session of its own, an admin's password change signs the user out everywhere.
        await tx`delete from auth.sessions where user_id = ${id}`;
      }
      if (email) {
        if ((await tx`select 1 from auth.users where lower(email) = ${email} and id <> ${id} and is_sso_user = false`).length) throw emailExists();
        await upsertIdentity(tx, id, "email", email, p.email_confirm);
        await tx`update auth.users set email = ${email} where id = ${id}`;
      }
      if (phone) {
        if ((await tx`select 1 from auth.users where phone = ${phone} and id <> ${id}`).length) throw phoneExists();
        await upsertIdentity(tx, id, "phone", phone, p.phone_confirm);
        await tx`update auth.users set phone = ${phone} where id = ${id}`;
      }
      if (p.app_metadata !== undefined) {
        await tx.unsafe(`update auth.users set raw_app_meta_data = ${mergeExpr("raw_app_meta_data", "$1")} where id = $2`, [jsonb(p.app_metadata), id]);
      }
      if (p.user_metadata !== undefined) {
        await tx.unsafe(`update auth.users set raw_user_meta_data = ${mergeExpr("raw_user_meta_data", "$1")} where id = $2`, [jsonb(p.user_metadata), id]);
      }
      if (banned !== undefined) await tx`update auth.users set banned_until = ${banned} where id = ${id}`;
      await tx`update auth.users set updated_at = now() where id = ${id}`;
      return await userJson(tx, (await userById(tx, id))!);
    });
  } catch (err) {
    conflict(err);
  }
}

/** DELETE /admin/users/<id>: removed with its identities and sessions, or soft-deleted (should_soft_delete). */
export async function deleteUser(ctx: AuthCtx, user: UserRow, p: Params<"adminUserDeleteParams">) {
  try {
    await ctx.sql.begin(async (tx) => {
      if (!p.should_soft_delete) {
        await tx`delete from auth.users where id = ${user.id}`;
        return;
      }
      if (user.deleted_at) return;
      await tx`update auth.users set deleted_at = now(), email = null, phone = null, encrypted_password = '', email_change = '',
                 phone_change = '', raw_app_meta_data = '{}', raw_user_meta_data = '{}', updated_at = now() where id = ${user.id}`;
      await tx`update auth.identities set identity_data = '{}', provider_id = 'deleted:' || id::text, updated_at = now() where user_id = ${user.id}`;
      await tx`delete from auth.sessions where user_id = ${user.id}`;
    });
  } catch (err) {
    if (err instanceof AuthError) throw err;
    // What references the user refused (a trigger, a foreign key): GoTrue's answer.
    console.error("auth: deleting a user failed", err);
    throw internal("Database error deleting user");
  }
  return {};
}

/** POST /invite: an invited user (no password) with its email identity; the invitation is not delivered locally. */
export async function invite(ctx: AuthCtx, p: Params<"InviteParams">) {
  const email = validateEmail(p.email);
  try {
    return await ctx.sql.begin(async (tx) => {
      const existing = await userByEmail(tx, email);
      if (existing?.email_confirmed_at) throw emailExists();
      // Sending the invitation validates the address (the mailer's rules), after the checks above.
      validateRecipient(email);
      const id = existing?.id ?? await insertEmailUser(tx, { email, password: null, data: p.data ?? {}, confirmed: false, invited: true });
      await tx`update auth.users set invited_at = now(), confirmation_sent_at = now(), updated_at = now() where id = ${id}`;
      return await userJson(tx, (await userById(tx, id))!);
    });
  } catch (err) {
    conflict(err);
  }
}
