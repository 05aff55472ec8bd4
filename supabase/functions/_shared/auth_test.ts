// Token verification without the gateway: HS256 needs the secret (never decoded unverified), and
// ES256 tokens are checked against the project's key set fetched from Auth's JWKS URL, cached.
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { TokenError, verifyToken } from "./auth.ts";

const USER_ID = "30000000-0000-4000-8000-000000000001";

async function refusal(token: string): Promise<string> {
  try {
    await verifyToken(token);
    return "accepted";
  } catch (err) {
    if (err instanceof TokenError) return err.message;
    throw err;
  }
}

/** Env for one test: no JWT secret, no inline key set, Auth at a local server. */
function withEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  for (const [k, v] of Object.entries(vars)) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  return () => { for (const [k, v] of Object.entries(saved)) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v); };
}

Deno.test("without a JWT secret an HS256 token is refused, never decoded unverified (an unsigned service_role token too)", async () => {
  const restore = withEnv({ SUPABASE_JWT_SECRET: undefined, JWT_SECRET: undefined, SUPABASE_JWKS: JSON.stringify({ keys: [] }) });
  try {
    const hs = await new SignJWT({ role: "service_role" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m")
      .sign(new TextEncoder().encode("any-secret-of-at-least-32-characters!!"));
    if (!/secret/.test(await refusal(hs))) throw new Error("an HS256 token passed without a secret");
    const none = `${btoa(JSON.stringify({ alg: "none" }))}.${btoa(JSON.stringify({ role: "service_role", exp: 9999999999 }))}.`;
    if ((await refusal(none)) === "accepted") throw new Error("an unsigned token passed");
  } finally {
    restore();
  }
});

Deno.test("ES256 tokens are verified against <SUPABASE_URL>/auth/v1/.well-known/jwks.json, fetched once and cached", async () => {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  let fetches = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
    if (new URL(req.url).pathname !== "/auth/v1/.well-known/jwks.json") return new Response("no", { status: 404 });
    fetches++;
    return Response.json({ keys: [jwk] });
  });
  const restore = withEnv({ SUPABASE_JWT_SECRET: undefined, JWT_SECRET: undefined, SUPABASE_JWKS: undefined, SUPABASE_URL: `http://127.0.0.1:${server.addr.port}` });
  try {
    const sign = (claims: Record<string, unknown>, exp: string | number = "5m") =>
      new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: "k1" }).setExpirationTime(exp).sign(privateKey);
    for (let i = 0; i < 3; i++) {
      const claims = await verifyToken(await sign({ role: "authenticated", sub: USER_ID }));
      if (claims.sub !== USER_ID) throw new Error("wrong claims");
    }
    if (fetches !== 1) throw new Error(`the key set was fetched ${fetches} times`);
    if (!/expired/.test(await refusal(await sign({ role: "anon" }, Math.floor(Date.now() / 1000) - 60)))) throw new Error("an expired token passed");
    if ((await refusal(await sign({ role: "authenticated", sub: "not-a-uuid" }))) === "accepted") throw new Error("a non-UUID sub passed");
    const other = (await generateKeyPair("ES256")).privateKey;
    const forged = await new SignJWT({ role: "service_role" }).setProtectedHeader({ alg: "ES256", kid: "k1" }).setExpirationTime("5m").sign(other);
    if ((await refusal(forged)) === "accepted") throw new Error("a token signed by another key passed");
  } finally {
    restore();
    await server.shutdown();
  }
});

Deno.test("JWT_ISSUER and JWT_AUDIENCE, when set, are enforced", async () => {
  const secret = "a-test-secret-that-is-at-least-32-characters";
  const restore = withEnv({ SUPABASE_JWT_SECRET: secret, JWT_ISSUER: "https://ref.supabase.co/auth/v1", JWT_AUDIENCE: "authenticated" });
  try {
    const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(new TextEncoder().encode(secret));
    const good = { role: "authenticated", sub: USER_ID, aud: "authenticated", iss: "https://ref.supabase.co/auth/v1" };
    if ((await refusal(await sign(good))) !== "accepted") throw new Error("a good token was refused");
    if ((await refusal(await sign({ ...good, iss: "https://evil.example" }))) === "accepted") throw new Error("a foreign issuer passed");
    if ((await refusal(await sign({ ...good, aud: "other" }))) === "accepted") throw new Error("a foreign audience passed");
  } finally {
    restore();
  }
});
