// whoami: GET or POST (no body read): the caller as the database sees them.
import { z } from "zod";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see index.ts)
import { DB_ENUMS, id } from "./shared.ts";

/** The API's roles (the JWT's role claim and the database roles it maps to): no database enum has them. */
export const API_ROLES = ["anon", "authenticated", "service_role"] as const;
/** A member's role in their tenant: public.users.role, the tenant_role enum. */
export const TENANT_ROLES = DB_ENUMS.tenant_role;

export const whoamiResponseSchema = z.object({
  role: z.enum(API_ROLES),
  /** current_user in the caller's transaction. */
  db_role: z.enum(API_ROLES),
  user_id: id.nullable(),
  tenant_id: id.nullable(),
  tenant_role: z.enum(TENANT_ROLES).nullable(),
  /** The path the function saw (/whoami[/…]). */
  path: z.string(),
});

export type WhoamiResponse = z.infer<typeof whoamiResponseSchema>;
