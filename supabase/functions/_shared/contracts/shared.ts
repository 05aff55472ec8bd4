// What the contracts share and index.ts does not export: the fields answers carry, the database's
// closed sets as the generated types have them (npm run gen:types), and the compile-time checks
// that tie a contract to a generated type, so neither can change without the other.
import { z } from "zod";
import type { Database } from "../database.types.ts";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see index.ts)
import { Constants } from "../database.types.ts";

// Answers carry ids Postgres generated and timestamps as JSON writes dates (postgres.js: a Date's
// toISOString; PostgREST: the database's text with an offset).
export const id = z.guid();
export const timestamp = z.iso.datetime({ offset: true });

/** The values of each enum of the public schema, in the database's order. */
export const DB_ENUMS = Constants.public.Enums;
/** An enum of the public schema as a union. */
export type DbEnum<N extends keyof Database["public"]["Enums"]> = Database["public"]["Enums"][N];

type IsAny<T> = 0 extends 1 & T ? true : false;
/** true when A and B are each assignable to the other (and neither is `any`): `true satisfies Same<A, B>;`. */
export type Same<A, B> = true extends IsAny<A> | IsAny<B> ? false : [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** true when every value of A is one of B (and neither is `any`): `true satisfies Within<A, B>;`. */
export type Within<A, B> = true extends IsAny<A> | IsAny<B> ? false : [A] extends [B] ? true : false;
