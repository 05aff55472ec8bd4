// Deno reaches the database with the pinned npm:postgres, the way edge functions will:
// a transaction as the caller (role + request.jwt.claims, as PostgREST does) is confined by RLS.
import postgres from "postgres";
import type { Database } from "../../supabase/functions/_shared/database.types.ts";

type Tenant = Database["public"]["Tables"]["tenants"]["Row"];

const ACME = "10000000-0000-4000-8000-000000000001";
const ALICE = "20000000-0000-4000-8000-000000000001";

function assertEquals(actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`expected ${e}, got ${a}`);
}

Deno.test("a user transaction sees only the caller's tenant", async () => {
  const url = Deno.env.get("TEST_AUTHENTICATOR_URL");
  if (!url) throw new Error("TEST_AUTHENTICATOR_URL is not set: run the tests with npm test");
  const sql = postgres(url, { max: 1, prepare: false, onnotice: () => {} });
  try {
    const rows = await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true),
                      set_config('request.jwt.claims', ${JSON.stringify({ sub: ALICE, role: "authenticated" })}, true)`;
      return await tx<Pick<Tenant, "id" | "slug">[]>`select id, slug from public.tenants order by slug`;
    });
    assertEquals(rows.map((r) => [r.id, r.slug]), [[ACME, "test-acme"]]);
  } finally {
    await sql.end();
  }
});

Deno.test("without claims the caller is anon and reads nothing", async () => {
  const sql = postgres(Deno.env.get("TEST_AUTHENTICATOR_URL")!, { max: 1, prepare: false, onnotice: () => {} });
  try {
    let code = "";
    await sql.begin(async (tx) => {
      await tx`select set_config('role', 'anon', true)`;
      await tx`select * from public.tenants`.catch((e: { code: string }) => (code = e.code));
    }).catch(() => {});
    assertEquals(code, "42501");
  } finally {
    await sql.end();
  }
});
