// The project's asymmetric signing key, as hosted Supabase Auth has (ES256): given to the gateway
// as a private JWK (GATEWAY_SIGNING_JWK), its public half is served at
// /auth/v1/.well-known/jwks.json and tokens it signed pass verify_jwt and the functions' checks.
// Without one the key set is empty and only HS256 tokens (the JWT secret) are accepted.
import { exportJWK, importJWK, type JSONWebKeySet, type JWK } from "jose";

export interface SigningKey { jwks: JSONWebKeySet }

export async function loadSigningKey(privateJwk: string | undefined): Promise<SigningKey> {
  if (!privateJwk) return { jwks: { keys: [] } };
  let jwk: JWK;
  try {
    jwk = JSON.parse(privateJwk);
  } catch {
    throw new Error("GATEWAY_SIGNING_JWK is not a JSON Web Key");
  }
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || !jwk.d || !jwk.kid) throw new Error("GATEWAY_SIGNING_JWK must be a private P-256 key (ES256) with a kid");
  await importJWK(jwk, "ES256"); // refuses a malformed key now rather than at the first token
  const { kty, crv, x, y } = await exportJWK(await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, "ES256"));
  return { jwks: { keys: [{ kty, crv, x, y, kid: jwk.kid, alg: "ES256", use: "sig", key_ops: ["verify"] }] } };
}
