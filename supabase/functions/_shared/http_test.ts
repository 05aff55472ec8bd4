import { corsHeaders, errorResponse, HttpError, withHttp } from "./http.ts";

function assertEquals(actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

Deno.test("withHttp answers preflight with the CORS headers", async () => {
  const handler = withHttp(["POST"], () => new Response("never"));
  const res = await handler(new Request("http://x/f", { method: "OPTIONS" }));
  assertEquals([res.status, await res.text(), res.headers.get("access-control-allow-origin")], [200, "ok", "*"]);
});

Deno.test("withHttp refuses other methods with 405 in the envelope", async () => {
  const res = await withHttp(["POST"], () => new Response("never"))(new Request("http://x/f", { method: "GET" }));
  assertEquals([res.status, (await res.json()).error.code], [405, "method_not_allowed"]);
});

Deno.test("an HttpError becomes its envelope; anything else a 500 without details", async () => {
  const failing = withHttp(["POST"], () => {
    throw new HttpError(422, "unprocessable", "rating must be -1 or 1", [{ path: "rating" }]);
  });
  const res = await failing(new Request("http://x/f", { method: "POST" }));
  assertEquals([res.status, await res.json()], [422, { error: { code: "unprocessable", message: "rating must be -1 or 1", details: [{ path: "rating" }] } }]);
  const originalError = console.error;
  console.error = () => {};
  try {
    const crash = await withHttp(["POST"], () => {
      throw new Error("secret internals");
    })(new Request("http://x/f", { method: "POST" }));
    assertEquals([crash.status, await crash.json()], [500, { error: { code: "internal", message: "internal error" } }]);
  } finally {
    console.error = originalError;
  }
});

Deno.test("errorResponse carries CORS and JSON headers", () => {
  const res = errorResponse(404, "not_found", "no such message");
  assertEquals([res.headers.get("content-type"), res.headers.get("access-control-allow-headers")], ["application/json", corsHeaders["Access-Control-Allow-Headers"]]);
});
