// What the gateway checks before any service sees a request: the method, the raw request path
// (dot segments and backslashes in any encoding are refused, never normalised, so no path can
// reach another function or object than it names) and the body size while it streams.

/** Methods any mounted service answers; others (TRACE, CONNECT, made-up ones) get 405 here. */
export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** The path of the request target as received, before any normalisation. */
export function rawPath(rawUrl: string): string {
  return rawUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "").split(/[?#]/, 1)[0];
}

/**
 * Why the request target's path cannot be routed, or null. Reads the raw target (req.url as
 * received; `new URL()` would already have resolved `..` and turned `\` into `/`).
 */
export function rawPathProblem(rawUrl: string): string | null {
  const path = rawPath(rawUrl);
  if (/\\|%5c/i.test(path)) return "the path contains a backslash";
  for (const segment of path.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return "the path is not valid percent-encoding";
    }
    if (decoded === "." || decoded === "..") return "the path contains a dot segment";
    if (decoded.includes("\u0000")) return "the path contains a NUL character";
  }
  return null;
}

/** Thrown through the body stream when it passes its limit. */
export class BodyLimitExceeded extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes`);
  }
}

/**
 * The request with its body limited to `limit` bytes while it streams: the declared
 * Content-Length is checked first (null: refuse now), and a chunked body errors (and the socket
 * read stops) as soon as it passes the limit. `tripped()` tells whether that happened. A body
 * framed by a Content-Length within the limit (and no Transfer-Encoding) goes on as it is: the
 * HTTP server reads exactly that many bytes, so counting them again would only cost a stream.
 */
export function limitBody(req: Request, limit: number): { req: Request; tripped: () => boolean } | null {
  const declared = req.headers.get("content-length");
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > limit)) return null;
  if (!req.body || (declared !== null && !req.headers.has("transfer-encoding"))) return { req, tripped: () => false };
  let seen = 0;
  let over = false;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit) {
        over = true;
        controller.error(new BodyLimitExceeded(limit));
        return;
      }
      controller.enqueue(chunk);
    },
  });
  const limited = new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body: req.body.pipeThrough(counter),
    signal: req.signal,
    // @ts-ignore: needed to forward a streamed body
    duplex: "half",
  });
  return { req: limited, tripped: () => over };
}
