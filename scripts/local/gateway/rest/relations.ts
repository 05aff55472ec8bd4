// Embedding targets: the relationship an embed names, chosen from the schema cache's relationships
// of the parent (relationships.ts) as PostgREST's findRel does. Without a hint the embed may be the
// other table's or view's name, or (for a table) the foreign key's name or its single column; with
// a hint (`rel!hint`) the embed is the table's name and the hint is the foreign key's name, one of
// its single columns, or the junction of a many-to-many. A self-reference is the one-to-many by
// the table's name, the many-to-one by the column's. None is PGRST200 (400), several PGRST201 (300).
import { PgrstError } from "./errors.ts";
import { compareRelationships, type Relationship } from "./relationships.ts";
import { key, type SchemaCache, type Table } from "./schema.ts";

const singleColumn = (r: Relationship, i: 0 | 1) => (r.columns.length === 1 ? r.columns[0][i] : undefined);

function matches(r: Relationship, target: string, hint: string | undefined): boolean {
  const fk = r.cardinality !== "many-to-many";
  const byConstraint = (name: string) => fk && r.constraint === name;
  const byColumn = (name: string) => singleColumn(r, 0) === name;
  const byRefColumn = (name: string) => singleColumn(r, 1) === name;
  if (r.isSelf) {
    if (hint === undefined) return (target === r.foreignTable && r.cardinality === "one-to-many") || (byColumn(target) && r.cardinality === "many-to-one");
    return target === r.foreignTable && r.cardinality === "one-to-many" && byRefColumn(hint);
  }
  if (hint === undefined) {
    return target === r.foreignTable || (!r.foreignTableIsView && (byConstraint(target) || byColumn(target)));
  }
  return target === r.foreignTable && (byConstraint(hint) || byColumn(hint) || byRefColumn(hint) || r.junction?.table === hint);
}

const cols = (cs: string[]) => `(${cs.join(", ")})`;

/** PostgREST's description of one candidate, in an ambiguity error's details (keys in its JSON's order). */
function describe(r: Relationship): Record<string, string> {
  const embedding = `${r.table} with ${r.foreignTable}`;
  if (r.junction) {
    const j = r.junction;
    return { cardinality: r.cardinality, embedding, relationship: `${j.table} using ${j.constraint1}${cols(j.source.map((p) => p[1]))} and ${j.constraint2}${cols(j.target.map((p) => p[1]))}` };
  }
  return { cardinality: r.cardinality, embedding, relationship: `${r.constraint} using ${r.table}${cols(r.columns.map((p) => p[0]))} and ${r.foreignTable}${cols(r.columns.map((p) => p[1]))}` };
}

export function findRelationship(cache: SchemaCache, parent: Table, name: string, hint?: string): Relationship {
  const candidates = parent.synthetic ? [] : (cache.relationships.get(key(parent.schema, parent.name)) ?? []).filter((r) => r.foreignSchema === parent.schema);
  const matching = candidates.filter((r) => matches(r, name, hint)).sort(compareRelationships);
  if (matching.length === 1) return matching[0];
  if (!matching.length) {
    throw new PgrstError(400, "PGRST200", `Could not find a relationship between '${parent.name}' and '${name}' in the schema cache`,
      `Searched for a foreign key relationship between '${parent.name}' and '${name}${hint !== undefined ? `' using the hint '${hint}` : ""}' in the schema '${parent.schema}', but no matches were found.`);
  }
  throw new PgrstError(300, "PGRST201", `Could not embed because more than one relationship was found for '${parent.name}' and '${name}'`,
    matching.map(describe),
    `Try changing '${name}' to one of the following: ${matching.map((r) => `'${r.foreignTable}!${r.junction?.table ?? r.constraint}'`).join(", ")}. Find the desired relationship in the 'details' key.`);
}
