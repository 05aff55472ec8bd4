// The local API gateway on 127.0.0.1:54321 (Deno): /functions/v1 (our edge functions, in this
// process) and /storage/v1 (a stand-in for Supabase Storage), plus /health and the project's
// public signing keys. Started by `npm start` and by the test harness; stops on SIGTERM / SIGINT.
//
// Before any service sees a request the gateway refuses methods no service answers, paths with dot
// segments or backslashes in any encoding (never normalised), and bodies over the limit while they
// stream. What the gateway answers itself has the error shape of the service mounted at that path:
// Storage's body under /storage/v1, the functions' envelope everywhere else.
import { join } from "node:path";
import { errorResponse, type ErrorCode } from "../../../supabase/functions/_shared/http.ts";
import { loadGatewayConfig, readFunctionsEnv } from "./config.ts";
import { serveFunction } from "./functions.ts";
import { METHODS, rawPath, rawPathProblem } from "./guard.ts";
import { startSchedules } from "./schedules.ts";
import { loadSigningKey } from "./signing-key.ts";
import { StorageApi } from "./storage/api.ts";
import { gatewayStorageError } from "./storage/errors.ts";

const config = loadGatewayConfig();
const signingKey = await loadSigningKey(Deno.env.get("GATEWAY_SIGNING_JWK"));

// What Supabase gives every function, plus supabase/functions/.env.
for (const [k, v] of Object.entries(readFunctionsEnv(Deno.env.get("GATEWAY_ENV_FILE") ?? join(config.functionsDirs[0], ".env")))) Deno.env.set(k, v);
Deno.env.set("SUPABASE_URL", config.apiUrl);
Deno.env.set("SUPABASE_ANON_KEY", config.anonKey);
Deno.env.set("SUPABASE_SERVICE_ROLE_KEY", config.serviceRoleKey);
Deno.env.set("SUPABASE_DB_URL", config.dbUrl);
Deno.env.set("SUPABASE_JWT_SECRET", config.jwtSecret);
// The public keys inline, so token checks in this process never fetch them from itself.
Deno.env.set("SUPABASE_JWKS", JSON.stringify(signingKey.jwks));
for (const name of ["STORAGE_DB_URL", "GATEWAY_CONFIG_TOML", "GATEWAY_ENV_FILE", "FUNCTIONS_DIR", "STORAGE_ROOT", "JWT_SECRET", "GATEWAY_SIGNING_JWK"]) Deno.env.delete(name);

// One function's stray promise must not take the gateway down.
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  console.error("unhandled rejection in a function:", event.reason);
});

const storage = new StorageApi(config);

/** An answer of the gateway's own, in the error shape of the service the raw path names. */
function gatewayError(req: Request, status: number, code: ErrorCode, message: string): Response {
  if (rawPath(req.url).startsWith("/storage/v1/")) return gatewayStorageError(status, code === "method_not_allowed" ? "MethodNotAllowed" : "InvalidRequest", message);
  return errorResponse(status, code, message);
}

async function route(req: Request): Promise<Response> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return errorResponse(400, "bad_request", "the request target is not a URL");
  }
  if (!METHODS.includes(req.method)) return gatewayError(req, 405, "method_not_allowed", `${req.method} is not supported`);
  const pathProblem = rawPathProblem(req.url);
  if (pathProblem) return gatewayError(req, 400, "bad_request", pathProblem);
  if (url.pathname === "/health" || url.pathname === "/_internal/health") {
    return new Response(JSON.stringify({ message: "ok" }), { headers: { "Content-Type": "application/json" } });
  }
  if (url.pathname === "/auth/v1/.well-known/jwks.json") {
    return new Response(JSON.stringify(signingKey.jwks), { headers: { "Content-Type": "application/json", "Cache-Control": "public, max-age=600" } });
  }
  if (url.pathname.startsWith("/functions/v1/")) return await serveFunction(req, url, config);
  if (url.pathname.startsWith("/storage/v1/")) return await storage.handle(req, url);
  return errorResponse(404, "not_found", "no route: this local gateway serves /functions/v1 and /storage/v1");
}

const server = Deno.serve({
  hostname: config.host,
  port: config.port,
  onListen: ({ hostname, port }) => console.log(`gateway listening on http://${hostname}:${port}`),
  // Anything that escapes a service is our bug: logged, answered in the envelope, never a bare 500.
  onError: (err) => {
    console.error("gateway: unhandled error", err);
    return errorResponse(500, "internal", "internal error");
  },
}, async (req) => {
  const res = await route(req);
  // A refused request's body is not read any further.
  if (!res.ok && !req.bodyUsed && req.body && !req.body.locked) void req.body.cancel().catch(() => {});
  return res;
});

// Supabase Cron's local stand-in, unless turned off (the test harness does).
const schedules = Deno.env.get("GATEWAY_SCHEDULES") === "off" ? [] : await startSchedules(config);
if (schedules.length) console.log(`schedules: ${schedules.map((c) => `${c.name} (${c.getPattern()})`).join(", ")}`);

const stop = async () => {
  for (const job of schedules) job.stop();
  await server.shutdown();
  await storage.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
