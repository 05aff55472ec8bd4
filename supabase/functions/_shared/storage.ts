// Storage clients (storage-js through supabase-js) built from the environment: as the caller
// (their token, so bucket policies apply) or as service_role.
import { createClient } from "@supabase/supabase-js";
import type { Caller } from "./auth.ts";

function env(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const options = { auth: { persistSession: false, autoRefreshToken: false } };

export function storageAs(caller: Caller) {
  return createClient(env("SUPABASE_URL"), env("SUPABASE_ANON_KEY"), {
    ...options,
    global: { headers: { Authorization: `Bearer ${caller.token}` } },
  }).storage;
}

export function serviceStorage() {
  return createClient(env("SUPABASE_URL"), env("SUPABASE_SERVICE_ROLE_KEY"), options).storage;
}
