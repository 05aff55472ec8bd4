// /functions/v1/<name>[/...]: dispatch to supabase/functions/<name>/handler.ts in this process,
// with Supabase's verify_jwt behaviour and 401 bodies, the path stripped as the platform does,
// and a crash answered with 500 instead of taking the gateway down.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { GatewayConfig } from "./config.ts";
import { verifyJwtFor } from "./config.ts";
import { bearerToken, mapAuthorization, verifyJwt } from "./jwt.ts";

type FunctionHandler = (req: Request) => Response | Promise<Response>;

const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const handlers = new Map<string, Promise<FunctionHandler>>();

async function loadHandler(dir: string): Promise<FunctionHandler> {
  const mod = await import(pathToFileURL(join(dir, "handler.ts")).href);
  const candidate = mod.handler ?? mod.default;
  if (typeof candidate === "function") return candidate;
  if (candidate && typeof candidate.fetch === "function") return (req) => candidate.fetch(req);
  throw new Error(`${dir}/handler.ts exports no handler`);
}

const jsonBody = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export async function serveFunction(req: Request, url: URL, config: GatewayConfig): Promise<Response> {
  const rest = url.pathname.slice("/functions/v1/".length);
  const name = rest.split("/")[0];
  const dir = config.functionsDirs.map((d) => join(d, name)).find((d) => existsSync(join(d, "handler.ts")));
  if (!NAME.test(name) || !dir) {
    return new Response("Function not found", { status: 404, headers: { "Content-Type": "text/plain" } });
  }
  const headers = new Headers(req.headers);
  const authorization = mapAuthorization(headers, config);
  if (authorization) headers.set("authorization", authorization);

  if (req.method !== "OPTIONS" && verifyJwtFor(config.configToml, name)) {
    const token = bearerToken(authorization);
    if (!token) return jsonBody(401, { msg: "Error: Missing authorization header" });
    try {
      await verifyJwt(token, config.jwtSecret);
    } catch {
      return jsonBody(401, { msg: "Invalid JWT" });
    }
  }

  let handler: FunctionHandler;
  try {
    if (!handlers.has(name)) handlers.set(name, loadHandler(dir));
    handler = await handlers.get(name)!;
  } catch (err) {
    handlers.delete(name);
    console.error(`function ${name} failed to boot:`, err);
    return jsonBody(503, { code: "BOOT_ERROR", message: "Worker failed to boot (please check logs)" });
  }
  const inner = new Request(new URL(`/${rest}${url.search}`, url.origin), {
    method: req.method,
    headers,
    body: req.body,
    // @ts-ignore: needed to forward a streamed body
    duplex: "half",
  });
  try {
    const response = await handler(inner);
    if (!(response instanceof Response)) throw new Error("the handler did not return a Response");
    return response;
  } catch (err) {
    console.error(`function ${name} crashed:`, err);
    return jsonBody(500, { code: "Internal Server Error", message: "Request failed due to an internal server error" });
  }
}
