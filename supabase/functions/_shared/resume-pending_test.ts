// resumePendingIngestions without a stack: a pending list and a resume route of the test's own.
// The same loop against the real ingest-response, refresh-views and the ops job:
// tests/gateway/resume-pending.test.ts.
import { type PendingIngestion, resumePendingIngestions, type ResumeResult } from "./resume-pending.ts";

function assertEquals(actual: unknown, expected: unknown, what = ""): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what ? `${what}: ` : ""}expected ${e}, got ${a}`);
}

const BASE = "http://functions.test/functions/v1";
const row = (n: number): PendingIngestion => ({ id: `i${n}`, conversation_id: `c${n}` });
const answer = (status: number, body: unknown) => new Response(typeof body === "string" ? body : JSON.stringify(body), { status });

/**
 * A pending table (oldest first) and a resume route over it: a resume answers what `answers` says
 * for that id (default 200 completed) and, when it succeeds or the row is gone, takes the row off the list.
 */
function fakeIngestion(rows: PendingIngestion[], answers: Record<string, () => Response> = {}) {
  const pending = [...rows];
  const calls: { url: string; auth: string | null; type: string | null; body: unknown }[] = [];
  const limits: number[] = [];
  return {
    pending,
    calls,
    limits,
    listPending: (limit: number) => {
      limits.push(limit);
      return Promise.resolve(pending.slice(0, limit));
    },
    fetch: async (url: string, init: RequestInit) => {
      const headers = new Headers(init.headers);
      const body = JSON.parse(String(init.body));
      calls.push({ url, auth: headers.get("authorization"), type: headers.get("content-type"), body });
      const res = answers[body.ingestion_id]?.() ?? answer(200, { processing_status: "completed" });
      if (res.ok || res.status === 404) pending.splice(pending.findIndex((p) => p.id === body.ingestion_id), 1);
      return await Promise.resolve(res);
    },
  };
}

Deno.test("resumes every listed ingestion in order, through <functions>/ingest-response/resume as the key", async () => {
  const fake = fakeIngestion([row(1), row(2), row(3)]);
  const seen: ResumeResult[] = [];
  const summary = await resumePendingIngestions({ functionsUrl: BASE, serviceRoleKey: "svc", listPending: fake.listPending, limit: 100, fetch: fake.fetch, onResult: (r) => seen.push(r) });
  assertEquals(summary, { listed: 3, stored: 3, gone: 0, failures: [] });
  assertEquals(fake.limits, [100], "the limit is the list's");
  assertEquals(fake.calls.map((c) => c.body), [{ ingestion_id: "i1" }, { ingestion_id: "i2" }, { ingestion_id: "i3" }]);
  for (const c of fake.calls) assertEquals([c.url, c.auth, c.type], [`${BASE}/ingest-response/resume`, "Bearer svc", "application/json"]);
  assertEquals(seen.map((r) => [r.outcome, r.ingestion.id, r.outcome === "stored" ? r.processingStatus : null]), [
    ["stored", "i1", "completed"], ["stored", "i2", "completed"], ["stored", "i3", "completed"],
  ]);
});

Deno.test("bounds: at most limit per call, so a backlog is worked off over several calls, oldest first", async () => {
  const fake = fakeIngestion([1, 2, 3, 4, 5].map(row));
  const run = () => resumePendingIngestions({ functionsUrl: BASE, serviceRoleKey: "svc", listPending: fake.listPending, limit: 2, fetch: fake.fetch });
  assertEquals(await run(), { listed: 2, stored: 2, gone: 0, failures: [] });
  assertEquals(fake.pending.map((p) => p.id), ["i3", "i4", "i5"], "the two oldest first");
  assertEquals(await run(), { listed: 2, stored: 2, gone: 0, failures: [] });
  assertEquals(await run(), { listed: 1, stored: 1, gone: 0, failures: [] });
  assertEquals(await run(), { listed: 0, stored: 0, gone: 0, failures: [] });
  assertEquals(fake.calls.map((c) => (c.body as { ingestion_id: string }).ingestion_id), ["i1", "i2", "i3", "i4", "i5"], "each resumed once");
});

Deno.test("a limit that is not a whole number of 1 or more is refused before anything is read or sent", async () => {
  for (const limit of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    const fake = fakeIngestion([row(1)]);
    let error: unknown;
    await resumePendingIngestions({ functionsUrl: BASE, serviceRoleKey: "svc", listPending: fake.listPending, limit, fetch: fake.fetch }).catch((e) => (error = e));
    assertEquals([error instanceof RangeError, fake.limits.length, fake.calls.length], [true, 0, 0], `limit ${limit}`);
  }
});

Deno.test("partial failures: 404 is gone, any other refusal is still pending with its status and message, and the loop goes on", async () => {
  const fake = fakeIngestion([1, 2, 3, 4, 5].map(row), {
    i2: () => answer(404, { error: { code: "not_found", message: "no such ingestion" } }),
    i3: () => answer(503, { error: { code: "internal", message: "storage is still unavailable: fetch failed" } }),
    i4: () => answer(502, "<html>bad gateway</html>"),
  });
  const seen: string[] = [];
  const summary = await resumePendingIngestions({
    functionsUrl: BASE, serviceRoleKey: "svc", listPending: fake.listPending, limit: 100, fetch: fake.fetch, onResult: (r) => seen.push(`${r.outcome} ${r.ingestion.id}`),
  });
  assertEquals(summary, {
    listed: 5, stored: 2, gone: 1,
    failures: [
      { outcome: "failed", ingestion: row(3), status: 503, message: "storage is still unavailable: fetch failed" },
      { outcome: "failed", ingestion: row(4), status: 502, message: "" },
    ],
  });
  assertEquals(seen, ["stored i1", "gone i2", "failed i3", "failed i4", "stored i5"]);
  assertEquals(fake.pending.map((p) => p.id), ["i3", "i4"], "the failed ones stay for the next run");
  const next = await resumePendingIngestions({ functionsUrl: BASE, serviceRoleKey: "svc", listPending: fake.listPending, limit: 100, fetch: fake.fetch });
  assertEquals([next.listed, next.failures.map((f) => f.ingestion.id)], [2, ["i3", "i4"]], "still failing, listed again");
});

Deno.test("nothing pending: nothing sent", async () => {
  const fake = fakeIngestion([]);
  assertEquals(await resumePendingIngestions({ functionsUrl: BASE, serviceRoleKey: "svc", listPending: fake.listPending, limit: 1, fetch: fake.fetch }), { listed: 0, stored: 0, gone: 0, failures: [] });
  assertEquals(fake.calls.length, 0);
});

Deno.test("a thrown error (the network, the list) ends the loop and propagates; what was done before is reported", async () => {
  const fake = fakeIngestion([1, 2, 3].map(row));
  const seen: string[] = [];
  const failing = (url: string, init: RequestInit) => JSON.parse(String(init.body)).ingestion_id === "i2" ? Promise.reject(new TypeError("connection refused")) : fake.fetch(url, init);
  let error: unknown;
  await resumePendingIngestions({ functionsUrl: BASE, serviceRoleKey: "svc", listPending: fake.listPending, limit: 10, fetch: failing, onResult: (r) => seen.push(r.ingestion.id) })
    .catch((e) => (error = e));
  assertEquals([(error as Error).message, seen, fake.pending.map((p) => p.id)], ["connection refused", ["i1"], ["i2", "i3"]]);
  const listError = await resumePendingIngestions({ functionsUrl: BASE, serviceRoleKey: "svc", listPending: () => Promise.reject(new Error("22023")), limit: 1, fetch: fake.fetch })
    .catch((e) => e as Error);
  assertEquals((listError as Error).message, "22023");
});
