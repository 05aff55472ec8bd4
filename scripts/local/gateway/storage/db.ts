// Database side of the Storage API: transactions as the caller (role, claims and Storage's own
// settings set the way the real service does, so storage.objects policies decide) or as service_role.
import postgres from "postgres";
import type { JWTPayload } from "jose";
import { inRequest } from "../../../../supabase/functions/_shared/request-role.ts";

export type Tx = postgres.TransactionSql;

export interface StorageCaller {
  role: string;
  sub: string | null;
  token: string | null;
  claims: JWTPayload & Record<string, unknown>;
}

export const anonCaller: StorageCaller = { role: "anon", sub: null, token: null, claims: { role: "anon" } };
export const serviceCaller: StorageCaller = { role: "service_role", sub: null, token: null, claims: { role: "service_role" } };

export class StorageDb {
  readonly sql: postgres.Sql;

  constructor(url: string) {
    this.sql = postgres(url, { prepare: false, max: 10, onnotice: () => {} });
  }

  /**
   * Run fn in a transaction as caller, with the settings the real service sets besides role and
   * claims (request.jwt, request.jwt.claim.sub/role, storage.operation); rolled back when `probe`
   * (the permission probe) is set.
   */
  as<T>(caller: StorageCaller, operation: string, fn: (tx: Tx) => Promise<T>, opts: { probe?: boolean } = {}): Promise<T> {
    return inRequest(this.sql, {
      role: caller.role,
      claims: caller.claims,
      extra: {
        "request.jwt.claim.role": caller.role,
        "request.jwt": caller.token ?? "",
        "request.jwt.claim.sub": caller.sub ?? "",
        "storage.operation": operation,
        "storage.allow_delete_query": "true",
      },
    }, fn, { rollback: opts.probe });
  }

  end(): Promise<void> {
    return this.sql.end({ timeout: 5 });
  }
}
