// What the stack launcher (scripts/local/stack/gateway-process.ts, Node) passes to the gateway and
// the gateway reads back from its environment (config.ts, Deno): one type for both sides. Types
// only, so either runtime imports it without running anything.

export interface GatewaySettings {
  host: string;
  port: number;
  apiUrl: string;
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  /** postgres login (functions' SUPABASE_DB_URL). */
  dbUrl: string;
  /** supabase_storage_admin login (the Storage API's). */
  storageDbUrl: string;
  /**
   * authenticator login (the Data API's, as PostgREST's PGRST_DB_URI). The launcher defaults it to
   * the Storage URL with user authenticator (the CLI gives every service login the database password).
   */
  restDbUrl?: string;
  storageRoot: string;
}
