import { z } from "zod";
import { HttpError } from "./http.ts";
import { jsonProblem, parseJsonBody, readBodyBytes, storableText, textProblem } from "./validate.ts";

const schema = z.object({ message_id: z.string().uuid(), rating: z.union([z.literal(-1), z.literal(1)]) });

async function statusOf(body: string, maxBytes?: number): Promise<number> {
  try {
    await parseJsonBody(new Request("http://x/", { method: "POST", body }), schema, maxBytes);
    return 200;
  } catch (err) {
    if (err instanceof HttpError) return err.status;
    throw err;
  }
}

Deno.test("parseJsonBody: valid body passes, bad JSON 400, wrong shape 422, too large 413", async () => {
  const ok = JSON.stringify({ message_id: "40000000-0000-4000-8000-000000000012", rating: 1 });
  const results = [
    await statusOf(ok),
    await statusOf("{not json"),
    await statusOf(JSON.stringify({ message_id: "x", rating: 5 })),
    await statusOf(ok, 10),
  ];
  if (JSON.stringify(results) !== JSON.stringify([200, 400, 422, 413])) throw new Error(`got ${results}`);
});

Deno.test("parseJsonBody: 422 details name the failing fields", async () => {
  try {
    await parseJsonBody(new Request("http://x/", { method: "POST", body: JSON.stringify({ message_id: "x", rating: 5 }) }), schema);
    throw new Error("expected a 422");
  } catch (err) {
    const details = (err as HttpError).details as { path: string }[];
    const paths = details.map((d) => d.path).sort();
    if (JSON.stringify(paths) !== JSON.stringify(["message_id", "rating"])) throw new Error(`got ${JSON.stringify(paths)}`);
  }
});

Deno.test("parseJsonBody: an empty body stands for emptyAs where the body is optional, and is a 400 elsewhere", async () => {
  const optional = z.object({ job: z.string().default("refresh") });
  const value = await parseJsonBody(new Request("http://x/", { method: "POST" }), optional, undefined, { emptyAs: {} });
  if (value.job !== "refresh") throw new Error(JSON.stringify(value));
  if ((await statusOf("")) !== 400) throw new Error("an empty body must be refused without emptyAs");
});

Deno.test("readBodyBytes stops reading an endless body as soon as it passes the limit", async () => {
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += 1024;
      controller.enqueue(new Uint8Array(1024));
    },
  });
  const req = new Request("http://x/", { method: "POST", body: endless });
  try {
    await readBodyBytes(req, 10 * 1024);
    throw new Error("expected a 413");
  } catch (err) {
    if (!(err instanceof HttpError) || err.status !== 413) throw err;
  }
  if (pulled > 64 * 1024) throw new Error(`read ${pulled} bytes of a body limited to 10 KiB`);
});

Deno.test("textProblem and jsonProblem find what Postgres cannot store; storableText replaces it", () => {
  const problems = ["a\u0000b", "\ud800", "x\udc00", "ok", "\ud83d\ude00"].map(textProblem);
  if (JSON.stringify(problems.map((p) => p === null)) !== JSON.stringify([false, false, false, true, true])) throw new Error(JSON.stringify(problems));
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = { a: deep };
  const json = [{ k: "fine" }, { "k\u0000": 1 }, { a: ["\ud800"] }, deep, { n: Infinity }].map((v) => jsonProblem(v));
  if (json[0] !== null || json.slice(1).some((p) => p === null)) throw new Error(JSON.stringify(json));
  if (storableText("a\u0000\ud800b") !== "a\ufffd\ufffdb") throw new Error("not replaced");
});
