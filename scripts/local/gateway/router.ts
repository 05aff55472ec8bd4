// The gateway's router: a route table of services, each mounted under its prefix, plus a few
// exact routes of the platform's own (/health; the signing keys are the Auth service's).
//
// Before any service sees a request the router refuses a target that is not a URL, methods no
// service answers, paths with dot segments or backslashes in any encoding (never normalised), and
// bodies over the service's limit while they stream. What the router answers itself has the error
// shape of the service the raw path names (the functions' envelope where no service is mounted),
// and every answer, the services' included, carries the gateway's CORS headers.
import { errorResponse, type ErrorCode } from "../../../supabase/functions/_shared/http.ts";
import type { GatewayConfig } from "./config.ts";
import { preflight, withCors } from "./cors.ts";
import { FunctionsService } from "./functions/service.ts";
import { limitBody, METHODS, rawPath, rawPathProblem } from "./guard.ts";
import type { Service } from "./service.ts";
import { StorageApi } from "./storage/api.ts";
import { AuthService } from "./auth/service.ts";
import { RestService } from "./rest/service.ts";

/** The route table. Auth (/auth/v1, which then serves the signing keys) and the Data API (/rest/v1) join it. */
function mountServices(config: GatewayConfig): Service[] {
  return [new FunctionsService(config), new StorageApi(config), new AuthService(config), new RestService(config)];
}

const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json", ...headers } });

export class Router {
  private readonly services: Service[];
  private readonly exact: Map<string, () => Response>;

  constructor(config: GatewayConfig) {
    this.services = mountServices(config);
    const health = () => json({ message: "ok" });
    this.exact = new Map([
      ["/health", health],
      ["/_internal/health", health],
    ]);
  }

  /** The service mounted at a path, if any. */
  private serviceAt(path: string): Service | undefined {
    return this.services.find((s) => path.startsWith(`${s.prefix}/`));
  }

  /** One request; `peer` is the connection's remote address (Deno.serve's info.remoteAddr). */
  async handle(req: Request, peer?: Deno.Addr): Promise<Response> {
    // The request as the service got it (its body limited), which route() sets when it hands it on.
    const forwarded = { req };
    const clientIp = peer && "hostname" in peer ? peer.hostname : undefined;
    const res = await this.route(req, forwarded, clientIp);
    // A refused request's body is not read any further.
    const body = forwarded.req.body;
    if (!res.ok && !forwarded.req.bodyUsed && body && !body.locked) void body.cancel().catch(() => {});
    return withCors(res);
  }

  /** An answer of the gateway's own: in the shape of the service the raw path names, else the envelope. */
  private error(req: Request, status: number, code: ErrorCode, message: string): Response {
    const service = this.serviceAt(rawPath(req.url));
    return service ? service.error(status, code, message) : errorResponse(status, code, message);
  }

  private async route(req: Request, forwarded: { req: Request }, clientIp: string | undefined): Promise<Response> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return this.error(req, 400, "bad_request", "the request target is not a URL");
    }
    if (!METHODS.includes(req.method)) return this.error(req, 405, "method_not_allowed", `${req.method} is not supported`);
    const pathProblem = rawPathProblem(req.url);
    if (pathProblem) return this.error(req, 400, "bad_request", pathProblem);
    if (req.method === "OPTIONS" && !this.serviceAt(url.pathname)?.ownPreflight) return preflight();
    const exact = this.exact.get(url.pathname);
    if (exact) return exact();
    const service = this.serviceAt(url.pathname);
    if (!service) {
      const prefixes = this.services.map((s) => s.prefix);
      const served = prefixes.length > 1 ? `${prefixes.slice(0, -1).join(", ")} and ${prefixes.at(-1)}` : prefixes.join("");
      return errorResponse(404, "not_found", `no route: this local gateway serves ${served}`);
    }

    const tooLarge = () => service.error(413, "payload_too_large", `request body over ${service.bodyLimit} bytes`);
    const limited = service.bodyLimit === undefined ? { req, tripped: () => false } : limitBody(req, service.bodyLimit);
    if (!limited) return tooLarge();
    forwarded.req = limited.req;
    try {
      const res = await service.handle(limited.req, { url, bodyOverLimit: limited.tripped, clientIp });
      if (!limited.tripped()) return res;
      await res.body?.cancel().catch(() => {});
      return tooLarge();
    } catch (err) {
      if (limited.tripped()) return tooLarge();
      console.error(`gateway: ${service.prefix} failed`, err);
      return service.error(500, "internal", "internal error");
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.services.map((s) => s.close()));
  }
}
