// Embedding targets: the relationship an embed names, found through the foreign keys of the schema
// cache (composite keys pair every column), as PostgREST's findRel: the embed may be the other
// table's name, the foreign key's name or (to-one) its column; a hint (`!fk_name`, `!column`)
// picks one of several. None is PGRST200 (400), several PGRST201 (300) with the candidates.
import { PgrstError } from "./errors.ts";
import { type ForeignKey, isUnique, key, type SchemaCache, type Table } from "./schema.ts";

export interface Relationship {
  fk: ForeignKey;
  target: Table;
  toOne: boolean;
  /** [parent column, target column] pairs to join on. */
  pairs: [string, string][];
  cardinality: "many-to-one" | "one-to-many" | "one-to-one";
  /** The parent holds the foreign key. */
  forward: boolean;
}

function candidates(cache: SchemaCache, parent: Table): Relationship[] {
  const out: Relationship[] = [];
  for (const fk of cache.foreignKeys) {
    if (fk.schema !== parent.schema) continue;
    if (fk.table === parent.name) {
      const target = cache.tables.get(key(fk.schema, fk.refTable))!;
      const pairs = fk.columns.map((c, i) => [c, fk.refColumns[i]] as [string, string]);
      out.push({ fk, target, toOne: true, pairs, cardinality: isUnique(parent, fk.columns) ? "one-to-one" : "many-to-one", forward: true });
    }
    if (fk.refTable === parent.name) {
      const target = cache.tables.get(key(fk.schema, fk.table))!;
      const toOne = isUnique(target, fk.columns);
      const pairs = fk.refColumns.map((c, i) => [c, fk.columns[i]] as [string, string]);
      out.push({ fk, target, toOne, pairs, cardinality: toOne ? "one-to-one" : "one-to-many", forward: false });
    }
  }
  return out;
}

const names = (table: string, cols: string[]) => `${table}(${cols.join(", ")})`;

export function findRelationship(cache: SchemaCache, parent: Table, name: string, hint?: string): Relationship {
  const matching = candidates(cache, parent).filter((r) => {
    const byName = r.target.name === name || r.fk.name === name || (r.forward && r.fk.columns.length === 1 && r.fk.columns[0] === name);
    if (!byName) return false;
    if (hint === undefined) return true;
    return r.fk.name === hint || (r.fk.columns.length === 1 && (r.fk.columns[0] === hint || r.fk.refColumns[0] === hint));
  });
  if (matching.length === 1) return matching[0];
  if (!matching.length) {
    return notFound(parent, name, hint);
  }
  // A self-reference matches both directions through one key: PostgREST lists both too.
  throw new PgrstError(300, "PGRST201", `Could not embed because more than one relationship was found for '${parent.name}' and '${name}'`,
    matching.map((r) => ({
      cardinality: r.cardinality,
      embedding: `${parent.name} with ${r.target.name}`,
      relationship: `${r.fk.name} using ${names(r.fk.table, r.fk.columns)} and ${names(r.fk.refTable, r.fk.refColumns)}`,
    })),
    `Try changing '${name}' to one of the following: ${matching.map((r) => `'${name}!${r.fk.name}'`).join(", ")}. Find the desired relationship in the 'details' key.`);
}

function notFound(parent: Table, name: string, hint?: string): never {
  throw new PgrstError(400, "PGRST200", `Could not find a relationship between '${parent.name}' and '${name}' in the schema cache`,
    `Searched for a foreign key relationship between '${parent.name}' and '${name}'${hint ? ` using the hint '${hint}'` : ""} in the schema '${parent.schema}', but no matches were found.`);
}
