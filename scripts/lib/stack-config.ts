/**
 * Settings of the local stack. Defaults are those of `supabase start`, so tools and
 * tutorials work unchanged; every value can be overridden by an environment variable.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const supabaseDir = path.join(repoRoot, 'supabase');
/** The Deno the lock file installs (gateway, deno test, deno fmt). */
export const denoBin = path.join(repoRoot, 'node_modules', '.bin', 'deno');

/** The local JWT secret of the Supabase CLI. */
export const DEFAULT_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
/** `exp` of the CLI's legacy anon / service_role keys (2032-11-12). */
export const LOCAL_KEY_EXP = 1983812996;

export interface StackConfig {
  /** External database (DATABASE_URL): no embedded server is started. */
  externalDatabaseUrl?: string;
  dbHost: string;
  dbPort: number;
  dbPassword: string;
  apiPort: number;
  apiUrl: string;
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  /** Where the embedded cluster and the stack's pid file live. */
  stateDir: string;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`${name} must be a port number between 1 and 65535, got "${raw}"`);
  }
  return n;
}

/** Sign a legacy-style API key exactly as the Supabase CLI does (HS256, iss/role/exp only). */
export async function signApiKey(role: 'anon' | 'service_role', secret: string): Promise<string> {
  return await new SignJWT({ iss: 'supabase-demo', role, exp: LOCAL_KEY_EXP })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}

export async function loadStackConfig(env: NodeJS.ProcessEnv = process.env): Promise<StackConfig> {
  const jwtSecret = env.JWT_SECRET || DEFAULT_JWT_SECRET;
  if (jwtSecret.length < 32) {
    throw new Error('JWT_SECRET must be at least 32 characters long');
  }
  const apiPort = intFromEnv(env, 'API_PORT', 54321);
  const dbHost = env.DB_HOST || '127.0.0.1';
  return {
    externalDatabaseUrl: env.DATABASE_URL || undefined,
    dbHost,
    dbPort: intFromEnv(env, 'DB_PORT', 54322),
    dbPassword: env.DB_PASSWORD || 'postgres',
    apiPort,
    apiUrl: env.API_URL || `http://127.0.0.1:${apiPort}`,
    jwtSecret,
    anonKey: env.ANON_KEY || (await signApiKey('anon', jwtSecret)),
    serviceRoleKey: env.SERVICE_ROLE_KEY || (await signApiKey('service_role', jwtSecret)),
    stateDir: path.resolve(env.STACK_STATE_DIR || path.join(repoRoot, '.stack')),
  };
}

/** postgresql:// URL for a login on a host/port. */
export function postgresUrl(opts: { user: string; password: string; host: string; port: number; database?: string }): string {
  const u = encodeURIComponent(opts.user);
  const p = encodeURIComponent(opts.password);
  return `postgresql://${u}:${p}@${opts.host}:${opts.port}/${opts.database ?? 'postgres'}`;
}
