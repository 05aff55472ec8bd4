// The local API gateway on 127.0.0.1:54321 (Deno): the router (router.ts) with its services,
// /functions/v1 (our edge functions, in this process) and /storage/v1 (a stand-in for Supabase
// Storage), plus /health and the project's public signing keys. Started by `npm start` and by the
// test harness; stops on SIGTERM / SIGINT. This file is the process wiring: the environment the
// functions see, the schedules, the signals.
import { join } from "node:path";
import { errorResponse } from "../../../supabase/functions/_shared/http.ts";
import { loadGatewayConfig, readFunctionsEnv } from "./config.ts";
import { withCors } from "./cors.ts";
import { Router } from "./router.ts";
import { startSchedules } from "./schedules.ts";
import { loadSigningKey } from "./signing-key.ts";

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
for (const name of ["STORAGE_DB_URL", "REST_DB_URL", "GATEWAY_CONFIG_TOML", "GATEWAY_ENV_FILE", "FUNCTIONS_DIR", "STORAGE_ROOT", "JWT_SECRET", "GATEWAY_SIGNING_JWK"]) Deno.env.delete(name);

// One function's stray promise must not take the gateway down.
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  console.error("unhandled rejection in a function:", event.reason);
});

const router = new Router(config);

const server = Deno.serve({
  hostname: config.host,
  port: config.port,
  onListen: ({ hostname, port }) => console.log(`gateway listening on http://${hostname}:${port}`),
  // Anything that escapes the router is our bug: logged, answered in the envelope, never a bare 500.
  onError: (err) => {
    console.error("gateway: unhandled error", err);
    return withCors(errorResponse(500, "internal", "internal error"));
  },
}, (req, info) => router.handle(req, info.remoteAddr));

// Supabase Cron's local stand-in, unless turned off (the test harness does).
const schedules = Deno.env.get("GATEWAY_SCHEDULES") === "off" ? [] : await startSchedules(config);
if (schedules.length) console.log(`schedules: ${schedules.map((c) => `${c.name} (${c.getPattern()})`).join(", ")}`);

const stop = async () => {
  for (const job of schedules) job.stop();
  await server.shutdown();
  await router.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
