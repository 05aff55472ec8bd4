// whoami: who the caller is, as the database sees them (role, auth.uid(), tenant) — exercises the
// shared auth, db and http modules end to end. GET or POST. Response schema: _shared/contracts.
import { getCaller } from "../_shared/auth.ts";
import { asCaller } from "../_shared/db.ts";
import { json, withHttp } from "../_shared/http.ts";

export const handler = withHttp(["GET", "POST"], async (req) => {
  const caller = await getCaller(req);
  const info = await asCaller(caller, async (tx) => {
    const [who] = await tx`select current_user as db_role, auth.uid() as user_id`;
    const [profile] = caller.role === "authenticated"
      ? await tx`select tenant_id, role from public.users where id = auth.uid()`
      : [];
    return { ...who, tenant_id: profile?.tenant_id ?? null, tenant_role: profile?.role ?? null };
  });
  return json({ role: caller.role, ...info, path: new URL(req.url).pathname });
});
