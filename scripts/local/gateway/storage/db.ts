// Database side of the Storage API: transactions as the caller (role and claims set the way the
// real service does, so storage.objects policies decide) or as service_role.
import postgres from "postgres";
import type { JWTPayload } from "jose";

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

  /** Run fn in a transaction as caller; rolled back when `probe` (the permission probe) is set. */
  async as<T>(caller: StorageCaller, operation: string, fn: (tx: Tx) => Promise<T>, opts: { probe?: boolean } = {}): Promise<T> {
    const rollback = Symbol("probe");
    let result: T | undefined;
    try {
      await this.sql.begin(async (tx) => {
        await tx`select set_config('role', ${caller.role}, true),
                        set_config('request.jwt.claim.role', ${caller.role}, true),
                        set_config('request.jwt', ${caller.token ?? ""}, true),
                        set_config('request.jwt.claim.sub', ${caller.sub ?? ""}, true),
                        set_config('request.jwt.claims', ${JSON.stringify(caller.claims)}, true),
                        set_config('storage.operation', ${operation}, true),
                        set_config('storage.allow_delete_query', 'true', true)`;
        result = await fn(tx);
        if (opts.probe) throw rollback;
      });
    } catch (err) {
      if (err !== rollback) throw err;
    }
    return result as T;
  }

  end(): Promise<void> {
    return this.sql.end({ timeout: 5 });
  }
}
