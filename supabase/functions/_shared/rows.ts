// Row types for code that reads tables with postgres.js, derived from the generated Database types
// (npm run gen:types) so a column added, renamed or retyped by a migration shows up here.
// The generated Row is the Data API's JSON view of a row; postgres.js returns some columns as
// other types (timestamptz as Date, bigint as string) and jsonb as whatever shape the code
// stores: those columns are given as overrides, everything else is the generated type.
import type { Database } from "./database.types.ts";

type PublicTables = Database["public"]["Tables"];
export type TableName = keyof PublicTables;
type Row<T extends TableName> = PublicTables[T]["Row"];

/**
 * A row of `public.<T>` as postgres.js returns it; `Over` retypes the columns the driver decodes
 * differently (a key that is not a column of T does not compile).
 */
export type DbRow<T extends TableName, Over extends { [K in keyof Over]: K extends keyof Row<T> ? unknown : never } = Record<never, never>> =
  & Omit<Row<T>, keyof Over>
  & Over;
