// The read plan of a request before any SQL, checked in PostgREST's order (its Plan.hs readPlan):
// every embed path the query string names (`rel.col=…`, `rel.order=…`, `rel.limit=…`) is an embed
// of the select, by name or alias (else PGRST108); every embed's relationship is found (PGRST200 /
// PGRST201); an order on an embed's column names a to-one embed of that node (PGRST108 / PGRST118);
// and aggregates are refused as PostgREST refuses them with db-aggregates-enabled off, the default
// that Supabase keeps (PGRST123).
import { PgrstError } from "./errors.ts";
import type { EmbedItem, SelectItem } from "./grammar.ts";
import type { NodeParams, RequestQuery } from "./params.ts";
import { findRelationship } from "./relations.ts";
import { isToOne, type Relationship } from "./relationships.ts";
import { key, type SchemaCache, type Table } from "./schema.ts";

export interface EmbedPlan { rel: Relationship; target: Table; params: NodeParams }
export interface ReadPlan { root: NodeParams; embeds: Map<EmbedItem, EmbedPlan> }

const emptyParams = (): NodeParams => ({ conditions: [], order: [] });
const embedsOf = (items: SelectItem[]) => items.filter((i): i is EmbedItem => i.type === "embed");

export const notEmbedded = (name: string) =>
  new PgrstError(400, "PGRST108", `'${name}' is not an embedded resource in this request`, null, `Verify that '${name}' is included in the 'select' query parameter.`);

export const aggregatesRefused = () => new PgrstError(400, "PGRST123", "Use of aggregate functions is not allowed");

export const hasAggregate = (items: SelectItem[]): boolean =>
  items.some((i) => (i.type === "column" && i.aggregate !== undefined) || (i.type === "embed" && hasAggregate(i.select)));

export function planRead(cache: SchemaCache, query: RequestQuery, select: SelectItem[], table: Table): ReadPlan {
  const params = new Map<EmbedItem, NodeParams>();
  for (const [path, p] of query.nodes) {
    if (!path) continue;
    let items = select;
    let item: EmbedItem | undefined;
    for (const segment of path.split(".")) {
      item = embedsOf(items).find((i) => i.name === segment || i.alias === segment);
      if (!item) throw notEmbedded(segment);
      items = item.select;
    }
    const had = params.get(item!);
    params.set(item!, had ? { conditions: [...had.conditions, ...p.conditions], order: [...had.order, ...p.order], limit: p.limit ?? had.limit, offset: p.offset ?? had.offset } : p);
  }

  const embeds = new Map<EmbedItem, EmbedPlan>();
  const resolve = (parent: Table, items: SelectItem[]) => {
    for (const item of embedsOf(items)) {
      const rel = findRelationship(cache, parent, item.name, item.hint);
      const target = cache.tables.get(key(rel.foreignSchema, rel.foreignTable))!;
      embeds.set(item, { rel, target, params: params.get(item) ?? emptyParams() });
      resolve(target, item.select);
    }
  };
  resolve(table, select);

  const root = query.nodes.get("") ?? emptyParams();
  const relatedOrders = (parent: Table, items: SelectItem[], p: NodeParams) => {
    for (const term of p.order) {
      if (term.relation === undefined) continue;
      const item = embedsOf(items).find((i) => (i.alias ?? i.name) === term.relation);
      if (!item) throw notEmbedded(term.relation);
      if (!isToOne(embeds.get(item)!.rel)) {
        throw new PgrstError(400, "PGRST118", `A related order on '${term.relation}' is not possible`,
          `'${parent.name}' and '${term.relation}' do not form a many-to-one or one-to-one relationship`);
      }
    }
    for (const item of embedsOf(items)) {
      const e = embeds.get(item)!;
      relatedOrders(e.target, item.select, e.params);
    }
  };
  relatedOrders(table, select, root);
  if (hasAggregate(select)) throw aggregatesRefused();
  return { root, embeds };
}
