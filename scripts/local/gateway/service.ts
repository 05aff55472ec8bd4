// What the router mounts: a service under its path prefix, with the error shape the gateway's own
// answers take under that prefix, an optional body limit the router enforces before the service,
// its handler and close(). One folder per service: functions/, storage/ (auth/ and rest/ next).
import type { ErrorCode } from "../../../supabase/functions/_shared/http.ts";

/** A request as the router hands it on. */
export interface Routed {
  /** The request target, parsed (the raw path has passed the gateway's checks). */
  url: URL;
  /** True once the body has passed the service's bodyLimit while streaming (it then errors). */
  bodyOverLimit(): boolean;
  /** The client's address (the connection's peer), when the server gives one. */
  clientIp?: string;
}

export interface Service {
  /** Mounted here: requests whose path starts with `${prefix}/` are this service's. */
  readonly prefix: string;
  /**
   * An answer of the gateway's own under this prefix (a refused method, path or body, a crash
   * around the service), in the service's error shape.
   */
  error(status: number, code: ErrorCode, message: string): Response;
  /** Bodies over this many bytes are refused before the service (a declared length) or as they stream. */
  readonly bodyLimit?: number;
  /** Whether the service answers OPTIONS itself (the functions do); otherwise the router answers preflight. */
  readonly ownPreflight?: boolean;
  handle(req: Request, routed: Routed): Promise<Response>;
  close(): Promise<void>;
}
