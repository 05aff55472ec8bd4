// /auth/v1: a local stand-in for Supabase Auth (GoTrue v2.189, the version `supabase start` runs)
// that auth-js uses unchanged. One entry of the gateway's route table; the router has already
// refused odd methods, dot segments and bodies over bodyLimit (GoTrue's 1 MB) and adds CORS.
// Routes follow GoTrue's api.go; anything else is chi's 404. Authorization stays in Postgres: the
// service only writes the auth schema (as supabase_auth_admin) and mints the tokens PostgREST,
// Storage and the functions then check.
import { mapAuthorization } from "../jwt.ts";
import { createUser, deleteUser, invite, listUsers, loadUser, updateUserById } from "./admin.ts";
import { type AuthSettings, loadAuthSettings } from "./config.ts";
import { openDb, type Sql, userJson } from "./db.ts";
import { apiVersionOf, authErrorResponse, badRequest, gatewayAuthError, methodNotAllowed, rateLimited, routeNotFound, unprocessable } from "./errors.ts";
import { readOptionalParams, readParams } from "./input.ts";
import { RateLimiter } from "./rate-limit.ts";
import { authenticate, ipForSession, logout, refreshGrant, requireAdmin } from "./sessions.ts";
import { type AuthCtx, getUser, passwordGrant, signup, signupAnonymously, updateUser } from "./users.ts";

/** What the service needs of the gateway's configuration. */
export interface AuthServiceConfig {
  apiUrl: string;
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  storageDbUrl: string;
  configToml: string;
}

/** What the router hands on with a request (its Routed), plus the client's address when it passes one. */
interface AuthRouted {
  url: URL;
  bodyOverLimit(): boolean;
  clientIp?: string;
  remoteAddr?: { hostname?: string } | string;
}

type Handler = (req: Request, ctx: AuthCtx, routed: AuthRouted, param: string) => Promise<Response>;

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export class AuthService {
  readonly prefix = "/auth/v1";
  /** GoTrue's limitRequestBody(1 << 20). */
  readonly bodyLimit = 1 << 20;
  readonly ownPreflight = false;
  private readonly settings: AuthSettings;
  private readonly sql: Sql;
  private readonly signInLimiter: RateLimiter;
  private readonly refreshLimiter: RateLimiter;
  private readonly anonymousLimiter: RateLimiter;
  /** path (with `*` for one segment) -> method -> handler */
  private readonly routes: [RegExp, Record<string, Handler>][];

  constructor(private readonly config: AuthServiceConfig) {
    this.settings = loadAuthSettings(config);
    this.sql = openDb(this.settings.dbUrl);
    this.signInLimiter = new RateLimiter(this.settings.rateLimits.signInSignUps);
    this.refreshLimiter = new RateLimiter(this.settings.rateLimits.tokenRefresh);
    this.anonymousLimiter = new RateLimiter(this.settings.rateLimits.anonymousUsers, 60 * 60_000);
    const admin = (h: Handler): Handler => async (req, ctx, routed, param) => {
      await requireAdmin(this.settings, this.sql, this.authorization(req));
      return await h(req, ctx, routed, param);
    };
    this.routes = [
      [/^\/health$/, { GET: async () => json({ version: "v2.189.0-local", name: "GoTrue", description: "GoTrue is a user registration and authentication API" }) }],
      [/^\/\.well-known\/jwks\.json$/, { GET: async () => this.jwks() }],
      [/^\/settings$/, { GET: async () => json(this.publicSettings()) }],
      [/^\/signup$/, { POST: (req, ctx, routed) => this.signup(req, ctx, routed) }],
      [/^\/token$/, { POST: (req, ctx, routed) => this.token(req, ctx, routed) }],
      [/^\/user$/, {
        GET: async (req, ctx) => json(await getUser(ctx, await authenticate(this.settings, this.sql, this.authorization(req)))),
        PUT: async (req, ctx, routed) => {
          const who = await authenticate(this.settings, this.sql, this.authorization(req));
          this.limit(this.signInLimiter, routed);
          return json(await updateUser(ctx, who, await readParams(req, "UserUpdateParams")));
        },
      }],
      [/^\/logout$/, {
        POST: async (req, _ctx, routed) => {
          const who = await authenticate(this.settings, this.sql, this.authorization(req));
          await logout(this.sql, who, routed.url.searchParams.get("scope"));
          return new Response(null, { status: 204 });
        },
      }],
      [/^\/invite$/, { POST: admin(async (req, ctx) => json(await invite(ctx, await readParams(req, "InviteParams")))) }],
      [/^\/admin\/users$/, {
        GET: admin((_req, ctx, routed) => listUsers(ctx, routed.url)),
        POST: admin(async (req, ctx) => json(await createUser(ctx, await readParams(req, "AdminUserParams")))),
      }],
      [/^\/admin\/users\/([^/]+)$/, {
        GET: admin(async (_req, ctx, _r, id) => json(await getUserJson(ctx, id))),
        PUT: admin(async (req, ctx, _r, id) => {
          const user = await loadUser(ctx, id);
          return json(await updateUserById(ctx, user, await readParams(req, "AdminUserParams")));
        }),
        DELETE: admin(async (req, ctx, _r, id) => {
          const user = await loadUser(ctx, id);
          return json(await deleteUser(ctx, user, await readOptionalParams(req, "adminUserDeleteParams")));
        }),
      }],
    ];
  }

  /** The gateway's own answers under /auth/v1 (refused method, path or body; a crash around the service). */
  error(status: number, code: string, message: string): Response {
    return gatewayAuthError(status, code, message);
  }

  async handle(req: Request, routed: AuthRouted): Promise<Response> {
    const path = routed.url.pathname.slice(this.prefix.length).replace(/(.)\/$/, "$1");
    const version = apiVersionOf(req);
    for (const [pattern, methods] of this.routes) {
      const m = pattern.exec(path);
      if (!m) continue;
      const handler = methods[req.method];
      if (!handler) return methodNotAllowed(Object.keys(methods));
      const ctx: AuthCtx = {
        settings: this.settings,
        sql: this.sql,
        grant: { userAgent: req.headers.get("user-agent"), ip: ipForSession(this.clientKey(routed)) },
      };
      try {
        return await handler(req, ctx, routed, m[1] ? decodeURIComponent(m[1]) : "");
      } catch (err) {
        // A body cut off at the limit: the router answers 413.
        if (routed.bodyOverLimit()) throw err;
        return authErrorResponse(err, version);
      }
    }
    return routeNotFound();
  }

  close(): Promise<void> {
    return this.sql.end({ timeout: 5 });
  }

  /** Authorization as Kong passes it to GoTrue (an apikey or opaque sb_ key mapped to its JWT). */
  private authorization(req: Request): string | null {
    return mapAuthorization(req.headers, { anonKey: this.config.anonKey, serviceRoleKey: this.config.serviceRoleKey });
  }

  private clientKey(routed: AuthRouted): string {
    const addr = routed.clientIp ?? (typeof routed.remoteAddr === "string" ? routed.remoteAddr : routed.remoteAddr?.hostname);
    // Without the router's client address every request shares one bucket: the gateway listens on 127.0.0.1.
    return addr ?? "local";
  }

  private limit(limiter: RateLimiter, routed: AuthRouted): void {
    if (!limiter.take(this.clientKey(routed))) throw rateLimited();
  }

  private async signup(req: Request, ctx: AuthCtx, routed: AuthRouted): Promise<Response> {
    const params = await readParams(req, "SignupParams");
    if (params.email === "" && params.phone === "") {
      if (!this.settings.anonymousSignIns) throw unprocessable("anonymous_provider_disabled", "Anonymous sign-ins are disabled");
      this.limit(this.anonymousLimiter, routed);
      return json(await signupAnonymously(ctx, params));
    }
    this.limit(this.signInLimiter, routed);
    return json(await signup(ctx, params));
  }

  /** POST /token: grant_type from the query (or a form body, as r.FormValue reads it). */
  private async token(req: Request, ctx: AuthCtx, routed: AuthRouted): Promise<Response> {
    const grant = routed.url.searchParams.get("grant_type") ?? "";
    if (grant === "password") {
      this.limit(this.signInLimiter, routed);
      return json(await passwordGrant(ctx, await readParams(req, "PasswordGrantParams")));
    }
    if (grant === "refresh_token") {
      this.limit(this.refreshLimiter, routed);
      const { refresh_token } = await readParams(req, "RefreshTokenGrantParams");
      return json(await refreshGrant(this.settings, this.sql, refresh_token, ctx.grant));
    }
    throw badRequest("invalid_credentials", "unsupported_grant_type");
  }

  private jwks(): Response {
    return new Response(JSON.stringify(this.settings.jwks), { headers: { "Content-Type": "application/json", "Cache-Control": "public, max-age=600" } });
  }

  /** GoTrue's /settings, from config.toml. */
  private publicSettings() {
    const s = this.settings;
    const providers = ["apple", "azure", "bitbucket", "discord", "facebook", "snapchat", "figma", "fly", "github", "gitlab", "google",
      "keycloak", "kakao", "linkedin", "linkedin_oidc", "notion", "spotify", "slack", "slack_oidc", "workos", "twitch", "twitter", "zoom"];
    return {
      external: { anonymous_users: s.anonymousSignIns, ...Object.fromEntries(providers.map((p) => [p, false])), email: s.emailEnabled, phone: s.smsEnabled },
      disable_signup: !s.enableSignup,
      mailer_autoconfirm: s.mailerAutoconfirm,
      phone_autoconfirm: s.phoneAutoconfirm,
      sms_provider: "twilio",
      saml_enabled: false,
      saml_private_key_next_configured: false,
      passkeys_enabled: false,
    };
  }
}

async function getUserJson(ctx: AuthCtx, id: string) {
  return await userJson(ctx.sql, await loadUser(ctx, id));
}
