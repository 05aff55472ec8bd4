// A local stand-in for PostgREST (Supabase's Data API), mounted at /rest/v1: the tables, views and
// functions of the exposed schemas ([api] schemas in config.toml) as postgrest-js calls them. Like
// PostgREST behind Supabase's gateway it verifies the JWT (the apikey maps to one), then runs one
// transaction per request on the authenticator login with the role, request.jwt.claims,
// request.method/path/headers and the role's own settings (statement_timeout) set locally, so
// grants and RLS decide. The URL is parsed into a syntax tree (grammar.ts, params.ts), names are
// resolved against the schema cache (schema.ts, reloaded on NOTIFY pgrst) and values bound; the
// request's reading without I/O is request.ts.
import postgres from "postgres";
import { parse as parseToml } from "smol-toml";
import { TokenError } from "../../../../supabase/functions/_shared/auth.ts";
import type { ErrorCode } from "../../../../supabase/functions/_shared/http.ts";
import { type RequestContext, settingsOf } from "../../../../supabase/functions/_shared/request-role.ts";
import type { GatewayConfig } from "../config.ts";
import { mapAuthorization, VerifiedTokens } from "../jwt.ts";
import type { Routed, Service } from "../service.ts";
import { errorResponse, jwtError, PgrstError, toPgrstError } from "./errors.ts";
import type { Outcome } from "./execute.ts";
import { hasBody, parseBody, prepare, run } from "./request.ts";
import { loadSchemaCache, type SchemaCache } from "./schema.ts";
import { roleSettings, type RoleSettings } from "./roles.ts";

const GATEWAY_CODES: Partial<Record<ErrorCode, [string, string]>> = {
  not_found: ["PGRST125", "Invalid path specified in request URL"],
  method_not_allowed: ["PGRST117", "Unsupported HTTP method"],
  payload_too_large: ["PGRST102", "The request body is too large"],
};

interface Caller { role: string; claims: Record<string, unknown> }

/**
 * requestSettings' statement (_shared/request-role.ts: every setting by set_config(…, true), values
 * as parameters), handed to the driver now instead of awaited, so that the request's first
 * statement, issued after this call, goes out right behind it without waiting for its answer.
 * (Awaiting requestSettings' own promise would hand the query over a microtask later, after a
 * statement issued meanwhile: that statement would run before the role is set.)
 */
function sendSettings(tx: postgres.TransactionSql, ctx: RequestContext): Promise<unknown> {
  const settings = settingsOf(ctx);
  const names = settings.map(([name]) => name);
  const values = settings.map(([, value]) => value);
  return tx`select set_config(name, value, true) from unnest(${names}::text[], ${values}::text[]) as s(name, value)`.execute();
}

export class RestService implements Service {
  readonly prefix = "/rest/v1";
  readonly bodyLimit = 10 * 1024 * 1024;
  private readonly sql: postgres.Sql;
  private readonly schemas: string[];
  private readonly maxRows: number;
  private readonly tokens: VerifiedTokens;
  private cache?: Promise<{ schema: SchemaCache; roles: RoleSettings }>;
  private listening?: Promise<unknown>;

  constructor(private readonly config: GatewayConfig) {
    const toml = parseToml(Deno.readTextFileSync(config.configToml)) as { api?: { schemas?: string[]; max_rows?: number } };
    this.schemas = toml.api?.schemas?.length ? toml.api.schemas : ["public", "graphql_public"];
    this.maxRows = toml.api?.max_rows ?? 1000;
    // Prepared statements (one round trip each once a connection has seen them) for the fixed
    // statements only: the request settings, BEGIN/COMMIT, the schema cache's catalog queries. SQL
    // built from the request names user tables and runs unprepared (sql.ts UNPREPARED), so no
    // plan can go stale across DDL and the per-connection statement cache stays this small.
    this.sql = postgres(config.restDbUrl, { prepare: true, max: 10, onnotice: () => {} });
    this.tokens = new VerifiedTokens(config.jwtSecret);
    // Every request value is text for Postgres to read with the type it infers (as PostgREST sends
    // literals): the driver's own serializers (booleans, dates, bytea, JSON) must not reinterpret it.
    const serializers = this.sql.options.serializers as Record<string, (x: unknown) => unknown>;
    for (const [oid, fn] of Object.entries(serializers)) serializers[oid] = (x) => typeof x === "string" ? x : fn(x);
  }

  error(status: number, code: ErrorCode, message: string): Response {
    const [pgrst, text] = GATEWAY_CODES[code] ?? ["PGRSTX00", "Internal server error"];
    return errorResponse(new PgrstError(status, pgrst, text, message));
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }

  /** The schema cache, loaded on first use and again after NOTIFY pgrst, 'reload schema' (debounced 100 ms). */
  private schemaCache(): Promise<{ schema: SchemaCache; roles: RoleSettings }> {
    if (!this.listening) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.listening = this.sql.listen("pgrst", (payload) => {
        if (payload !== "" && payload !== "reload schema") return;
        clearTimeout(timer);
        timer = setTimeout(() => { this.cache = undefined; }, 100);
      }).catch(() => { this.listening = undefined; });
    }
    if (!this.cache) {
      const loading = Promise.all([loadSchemaCache(this.sql, this.schemas), roleSettings(this.sql)]).then(([schema, roles]) => ({ schema, roles }));
      this.cache = loading;
      loading.catch(() => { if (this.cache === loading) this.cache = undefined; });
    }
    return this.cache.catch((err) => {
      console.error("rest: could not load the schema cache", err);
      throw new PgrstError(503, "PGRST002", "Could not query the database for the schema cache. Retrying.");
    });
  }

  private async caller(req: Request): Promise<Caller> {
    const auth = mapAuthorization(req.headers, this.config);
    if (!auth || !/^bearer\b/i.test(auth)) return { role: "anon", claims: { role: "anon" } };
    const token = auth.replace(/^bearer\s*/i, "").trim();
    if (!token) throw jwtError("Empty JWT is sent in Authorization header");
    const parts = token.split(".").length;
    if (parts !== 3) throw jwtError(`Expected 3 parts in JWT; got ${parts}`);
    try {
      const claims = await this.tokens.verify(token);
      return { role: claims.role as string, claims };
    } catch (err) {
      const message = err instanceof TokenError ? err.message : "invalid token";
      if (/expired/.test(message)) throw jwtError("JWT expired", "PGRST303");
      if (/role|sub|audience|claims/.test(message)) throw jwtError(message, "PGRST303");
      throw jwtError("JWT cryptographic operation failed");
    }
  }

  async handle(req: Request, { url }: Routed): Promise<Response> {
    let anon = true;
    try {
      const caller = await this.caller(req);
      anon = caller.role === "anon";
      return await this.serve(req, url, caller);
    } catch (err) {
      await req.body?.cancel().catch(() => {});
      const error = toPgrstError(err, anon);
      return errorResponse(error);
    }
  }

  private async serve(req: Request, url: URL, caller: Caller): Promise<Response> {
    const { schema: cache, roles } = await this.schemaCache();
    const path = url.pathname.slice(this.prefix.length);
    const method = req.method;
    const prepared = prepare(cache, { method, path, search: url.searchParams, headers: req.headers });
    const { plan } = prepared;
    if (hasBody(method)) plan.body = parseBody(req.headers.get("content-type"), await req.text(), prepared.isRpc);
    const readOnly = method === "GET" || method === "HEAD";
    const settings = roles.get(caller.role) ?? {};
    const outcome = await this.sql.begin(readOnly ? "read only" : "read write", async (tx) => {
      const set = sendSettings(tx, {
        role: caller.role,
        claims: { ...caller.claims, role: caller.role },
        method,
        path,
        headers: Object.fromEntries([...req.headers].filter(([k]) => k !== "cookie")),
        extra: { search_path: `${[plan.schema, "extensions"].map((s) => `"${s.replace(/"/g, '""')}"`).join(", ")}`, ...settings },
      });
      // The request's first statement goes out right behind the settings without waiting for their
      // answer (Postgres runs them in order). A settings error is still the one reported: the
      // statement then only failed with 25P02 because of it.
      const result = run(tx, cache, prepared, this.maxRows);
      result.catch(() => {});
      await set;
      return await result;
    }) as Outcome;
    const profileSchema = prepared.profileSent || cache.schemas.length > 1 ? plan.schema : null;
    return this.respond(method, outcome, plan.media, plan.prefs.applied, profileSchema);
  }

  private respond(method: string, outcome: Outcome, media: string, applied: string[], schema: string | null): Response {
    const headers = new Headers(outcome.headers);
    if (outcome.body !== null) headers.set("Content-Type", media === "object" ? "application/vnd.pgrst.object+json; charset=utf-8" : "application/json; charset=utf-8");
    if (schema) headers.set("Content-Profile", schema);
    if (applied.length) headers.set("Preference-Applied", applied.join(", "));
    const body = method === "HEAD" || outcome.status === 204 ? null : outcome.body;
    return new Response(body, { status: outcome.status, headers });
  }
}
