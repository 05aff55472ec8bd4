// POST /object/list/<bucket> {prefix, limit, offset, sortBy: {column, order}, search}: the folders
// and files directly under a prefix, as the caller may see them.
import { invalidRequest } from "./errors.ts";
import { readJsonObject, storableField, wholeNumber } from "./input.ts";
import type { StorageContext } from "./types.ts";

const LIST_COLUMNS = ["name", "updated_at", "created_at", "last_accessed_at"];

export async function listObjects(ctx: StorageContext, req: Request, bucketId: string): Promise<Response> {
  const caller = await ctx.caller(req);
  await ctx.bucket(bucketId);
  const body = await readJsonObject(req);
  const prefixRaw = storableField(body.prefix, "prefix", "");
  const search = storableField(body.search, "search", "");
  const limit = wholeNumber(body.limit, "limit", 100, 1);
  const offset = wholeNumber(body.offset, "offset", 0, 0);
  const sortBy = body.sortBy ?? { column: "name", order: "asc" };
  if (!sortBy || typeof sortBy !== "object" || Array.isArray(sortBy)) throw invalidRequest("sortBy must be an object {column, order}");
  const { column: columnRaw, order: orderRaw } = sortBy as { column?: unknown; order?: unknown };
  const column = storableField(columnRaw, "sortBy.column", "name");
  const order = storableField(orderRaw, "sortBy.order", "asc").toLowerCase();
  // Identifiers come from this fixed list, never from the request text.
  const columnIndex = LIST_COLUMNS.indexOf(column);
  if (columnIndex < 0 || !["asc", "desc"].includes(order)) throw invalidRequest("sortBy must name a list column and asc or desc");
  const prefix = prefixRaw === "" || prefixRaw.endsWith("/") ? prefixRaw : `${prefixRaw}/`;
  const chars = [...prefix].length; // Postgres counts code points, JavaScript UTF-16 units
  const rows = await ctx.db.as(caller, "storage.object.list", (tx) => tx`
    with visible as (
      select o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata,
             substr(o.name, ${chars + 1}) as rest
      from storage.objects o
      where o.bucket_id = ${bucketId} and lower(left(o.name, ${chars})) = lower(${prefix})
    ), entries as (
      select distinct on (name) name, id, updated_at, created_at, last_accessed_at, metadata from (
        select split_part(rest, '/', 1) as name, null::uuid as id, null::timestamptz as updated_at, null::timestamptz as created_at,
               null::timestamptz as last_accessed_at, null::jsonb as metadata, 0 as kind
        from visible where position('/' in rest) > 0
        union all
        select rest, id, updated_at, created_at, last_accessed_at, metadata, 1 from visible where position('/' in rest) = 0
      ) e
      where lower(name) like lower(${search.replace(/[\\%_]/g, (c) => `\\${c}`)}) || '%'
      order by name, kind
    )
    select * from entries
    order by ${tx.unsafe(LIST_COLUMNS[columnIndex])} ${tx.unsafe(order === "desc" ? "desc" : "asc")} nulls last, name
    limit ${limit} offset ${offset}`);
  return ctx.json(rows);
}
