// The local API gateway on 127.0.0.1:54321 (Deno): /functions/v1 (our edge functions, in this
// process) and /storage/v1 (a stand-in for Supabase Storage), plus /health. Started by `npm start`
// and by the test harness; stops on SIGTERM / SIGINT.
import { loadGatewayConfig, readFunctionsEnv } from "./config.ts";
import { serveFunction } from "./functions.ts";
import { startSchedules } from "./schedules.ts";
import { StorageApi } from "./storage-api.ts";
import { join } from "node:path";

const config = loadGatewayConfig();

// What Supabase gives every function, plus supabase/functions/.env.
for (const [k, v] of Object.entries(readFunctionsEnv(Deno.env.get("GATEWAY_ENV_FILE") ?? join(config.functionsDirs[0], ".env")))) Deno.env.set(k, v);
Deno.env.set("SUPABASE_URL", config.apiUrl);
Deno.env.set("SUPABASE_ANON_KEY", config.anonKey);
Deno.env.set("SUPABASE_SERVICE_ROLE_KEY", config.serviceRoleKey);
Deno.env.set("SUPABASE_DB_URL", config.dbUrl);
Deno.env.set("SUPABASE_JWT_SECRET", config.jwtSecret);
for (const name of ["STORAGE_DB_URL", "GATEWAY_CONFIG_TOML", "GATEWAY_ENV_FILE", "FUNCTIONS_DIR", "STORAGE_ROOT", "JWT_SECRET"]) Deno.env.delete(name);

// One function's stray promise must not take the gateway down.
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  console.error("unhandled rejection in a function:", event.reason);
});

const storage = new StorageApi(config);

const server = Deno.serve({
  hostname: config.host,
  port: config.port,
  onListen: ({ hostname, port }) => console.log(`gateway listening on http://${hostname}:${port}`),
}, async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health" || url.pathname === "/_internal/health") {
    return new Response(JSON.stringify({ message: "ok" }), { headers: { "Content-Type": "application/json" } });
  }
  if (url.pathname.startsWith("/functions/v1/")) return await serveFunction(req, url, config);
  if (url.pathname.startsWith("/storage/v1/")) return await storage.handle(req, url);
  return new Response(JSON.stringify({ message: "no route: this local gateway serves /functions/v1 and /storage/v1 only" }), {
    status: 404,
    headers: { "Content-Type": "application/json" },
  });
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
