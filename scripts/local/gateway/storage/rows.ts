// The storage.objects row the read, sign and remove operations look up, as a given caller sees it
// (so the bucket's RLS policies decide what is there).
import type { StorageCaller } from "./db.ts";
import { noSuchKey } from "./errors.ts";
import type { ObjectKey, StorageContext } from "./types.ts";

export interface ObjectRow { id: string; name: string; bucket_id: string; version: string | null; metadata: Record<string, unknown> | null; user_metadata: unknown; created_at: Date; updated_at: Date }

export async function objectRow(ctx: StorageContext, caller: StorageCaller, key: ObjectKey, operation = "storage.object.get"): Promise<ObjectRow> {
  const [row] = await ctx.db.as(caller, operation, (tx) => tx<ObjectRow[]>`
    select id, name, bucket_id, version, metadata, user_metadata, created_at, updated_at
    from storage.objects where bucket_id = ${key.bucket} and name = ${key.name}`);
  if (!row) throw noSuchKey();
  return row;
}
