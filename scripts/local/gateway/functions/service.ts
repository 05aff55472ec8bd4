// /functions/v1/<name>[/...]: dispatch to supabase/functions/<name>/handler.ts in this process,
// with Supabase's verify_jwt behaviour and 401 bodies, the path stripped as the platform does,
// and a crash answered with 500 instead of taking the gateway down. Errors: the functions'
// envelope. A function answers its own OPTIONS (verify_jwt skipped); an unknown name's preflight
// is the gateway's.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { verifyToken } from "../../../../supabase/functions/_shared/auth.ts";
import { errorResponse, type ErrorCode } from "../../../../supabase/functions/_shared/http.ts";
import type { GatewayConfig } from "../config.ts";
import { verifyJwtFor } from "../config.ts";
import { preflight } from "../cors.ts";
import { bearerToken, mapAuthorization } from "../jwt.ts";
import type { Routed, Service } from "../service.ts";

type FunctionHandler = (req: Request) => Response | Promise<Response>;

/** Request bodies a function may receive (hosted functions have a limit of their own too). */
export const FUNCTION_BODY_LIMIT = 10 * 1024 * 1024;

const PREFIX = "/functions/v1";
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

async function loadHandler(dir: string): Promise<FunctionHandler> {
  const mod = await import(pathToFileURL(join(dir, "handler.ts")).href);
  const candidate = mod.handler ?? mod.default;
  if (typeof candidate === "function") return candidate;
  if (candidate && typeof candidate.fetch === "function") return (req) => candidate.fetch(req);
  throw new Error(`${dir}/handler.ts exports no handler`);
}

/**
 * verify_jwt's refusals: the functions' error envelope, plus the `msg` text the hosted relay
 * answers with, so code written against either reads what it expects.
 */
function unauthorized(message: string): Response {
  const res = errorResponse(401, "unauthorized", message);
  return new Response(JSON.stringify({ error: { code: "unauthorized", message }, msg: message }), { status: 401, headers: res.headers });
}

export class FunctionsService implements Service {
  readonly prefix = PREFIX;
  readonly bodyLimit = FUNCTION_BODY_LIMIT;
  readonly ownPreflight = true;
  private readonly handlers = new Map<string, Promise<FunctionHandler>>();

  constructor(private readonly config: GatewayConfig) {}

  error(status: number, code: ErrorCode, message: string): Response {
    return errorResponse(status, code, message);
  }

  close(): Promise<void> {
    this.handlers.clear();
    return Promise.resolve();
  }

  async handle(req: Request, { url, bodyOverLimit }: Routed): Promise<Response> {
    const config = this.config;
    const rest = url.pathname.slice(`${PREFIX}/`.length);
    const name = rest.split("/")[0];
    const dir = NAME.test(name) ? config.functionsDirs.map((d) => join(d, name)).find((d) => existsSync(join(d, "handler.ts"))) : undefined;
    if (!dir) return req.method === "OPTIONS" ? preflight() : errorResponse(404, "not_found", "Function not found");
    const headers = new Headers(req.headers);
    const authorization = mapAuthorization(headers, config);
    if (authorization) headers.set("authorization", authorization);

    if (req.method !== "OPTIONS" && verifyJwtFor(config.configToml, name)) {
      const token = bearerToken(authorization);
      if (!token) return unauthorized("Error: Missing authorization header");
      try {
        await verifyToken(token, { secret: config.jwtSecret });
      } catch {
        return unauthorized("Invalid JWT");
      }
    }

    let handler: FunctionHandler;
    try {
      if (!this.handlers.has(name)) this.handlers.set(name, loadHandler(dir));
      handler = await this.handlers.get(name)!;
    } catch (err) {
      this.handlers.delete(name);
      console.error(`function ${name} failed to boot:`, err);
      return errorResponse(503, "internal", "Worker failed to boot (please check logs)", { code: "BOOT_ERROR" });
    }
    const stripped = new Request(new URL(`/${rest}${url.search}`, url.origin), {
      method: req.method,
      headers,
      body: req.body,
      // @ts-ignore: needed to forward a streamed body
      duplex: "half",
    });
    try {
      const response = await handler(stripped);
      if (!(response instanceof Response)) throw new Error("the handler did not return a Response");
      return response;
    } catch (err) {
      // A body cut off at the gateway's limit is the router's 413, not a crash.
      if (!bodyOverLimit()) console.error(`function ${name} crashed:`, err);
      return errorResponse(500, "internal", "Request failed due to an internal server error");
    }
  }
}
