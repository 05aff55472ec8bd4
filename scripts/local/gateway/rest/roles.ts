// The API roles' own settings (ALTER ROLE … SET, e.g. Supabase's statement_timeout of 3s for anon
// and 8s for authenticated), which PostgREST applies per request because SET ROLE alone would not:
// read from pg_db_role_setting (this database's and the global ones), only parameters a user may set.
import type postgres from "postgres";

export type RoleSettings = Map<string, Record<string, string>>;

export async function roleSettings(sql: postgres.Sql): Promise<RoleSettings> {
  const rows = await sql<{ role: string; name: string; value: string }[]>`
    select r.rolname as role, split_part(c.setting, '=', 1) as name, substr(c.setting, strpos(c.setting, '=') + 1) as value
    from pg_db_role_setting s join pg_roles r on r.oid = s.setrole cross join lateral unnest(s.setconfig) c(setting)
    join pg_settings p on p.name = split_part(c.setting, '=', 1) and p.context = 'user'
    where s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
      and r.rolname in ('anon', 'authenticated', 'service_role')
    order by s.setdatabase`;
  const out: RoleSettings = new Map();
  for (const row of rows) out.set(row.role, { ...out.get(row.role), [row.name]: row.value });
  return out;
}
