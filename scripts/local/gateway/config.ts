// Gateway settings, from the environment the stack launcher passes, plus the functions' config
// (verify_jwt per [functions.<name>] in supabase/config.toml) and supabase/functions/.env.
import { parse as parseDotenv } from "dotenv";
import { parse as parseToml } from "smol-toml";
import type { GatewaySettings } from "./settings.ts";

export interface GatewayConfig extends GatewaySettings {
  /** authenticator login of the Data API (/rest/v1). */
  restDbUrl: string;
  /** Where functions live: supabase/functions, then any extra folders (test fixtures). */
  functionsDirs: string[];
  configToml: string;
  /** Global upload limit in bytes ([storage] file_size_limit, default 50 MiB). */
  fileSizeLimit: number;
}

/** The opaque local keys of the CLI; the gateway maps them to the legacy JWTs. */
export const PUBLISHABLE_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH";
export const SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";

function required(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/i.exec(text.trim());
  if (!m) throw new Error(`cannot read size "${text}"`);
  const unit = (m[2] ?? "B").toLowerCase();
  const factor = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 }[unit]!;
  return Math.floor(Number(m[1]) * factor);
}

export function loadGatewayConfig(): GatewayConfig {
  const configToml = required("GATEWAY_CONFIG_TOML");
  const toml = parseToml(Deno.readTextFileSync(configToml)) as { storage?: { file_size_limit?: string } };
  return {
    host: Deno.env.get("GATEWAY_HOST") ?? "127.0.0.1",
    port: Number(required("GATEWAY_PORT")),
    apiUrl: required("SUPABASE_URL"),
    jwtSecret: required("JWT_SECRET"),
    anonKey: required("SUPABASE_ANON_KEY"),
    serviceRoleKey: required("SUPABASE_SERVICE_ROLE_KEY"),
    dbUrl: required("SUPABASE_DB_URL"),
    storageDbUrl: required("STORAGE_DB_URL"),
    restDbUrl: required("REST_DB_URL"),
    storageRoot: required("STORAGE_ROOT"),
    functionsDirs: required("FUNCTIONS_DIR").split(":").filter(Boolean),
    configToml,
    fileSizeLimit: parseSize(toml.storage?.file_size_limit ?? "50MiB"),
  };
}

type FunctionsToml = { functions?: Record<string, { verify_jwt?: boolean }> };
let parsed: { file: string; mtime: number; toml: FunctionsToml } | undefined;

/** verify_jwt of a function: [functions.<name>] verify_jwt in config.toml, default true. Re-read when the file changes. */
export function verifyJwtFor(configToml: string, name: string): boolean {
  const mtime = Deno.statSync(configToml).mtime?.getTime() ?? 0;
  if (!parsed || parsed.file !== configToml || parsed.mtime !== mtime) {
    parsed = { file: configToml, mtime, toml: parseToml(Deno.readTextFileSync(configToml)) as FunctionsToml };
  }
  return parsed.toml.functions?.[name]?.verify_jwt ?? true;
}

/**
 * The functions' secrets from .env text, parsed by dotenv (quotes, `\n` in double quotes, comments,
 * multi-line quoted values, `export`); names starting SUPABASE_ are skipped, as the CLI skips them.
 */
export function parseFunctionsEnv(text: string): Record<string, string> {
  return Object.fromEntries(Object.entries(parseDotenv(text)).filter(([name]) => !name.startsWith("SUPABASE_")));
}

/** supabase/functions/.env (or another file) parsed by parseFunctionsEnv; a missing file is {}. */
export function readFunctionsEnv(path: string): Record<string, string> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return {};
    throw err;
  }
  return parseFunctionsEnv(text);
}
