// Every edge function's contract: the zod schemas of what each function accepts (its handler parses
// the body with these, no other copy) and of what it answers, and the error envelope. Frontends
// import them through types/functions.ts. One file per function (conversation.ts: the payload an
// LLM produces), storable.ts for what Postgres can store, shared.ts for the fields and checks they
// share; this file re-exports all but shared.ts.
//
// Closed sets the database declares as public enums come from the generated `Constants`
// (database.types.ts), and shapes that mirror a generated type are checked against it at compile
// time (shared.ts: Same, Within), so a migration and `npm run gen:types` cannot leave them behind.
//
// Relative imports: Deno needs the `.ts` specifier and refuses `.js`, while stock Vite and Next.js
// tsconfigs (allowImportingTsExtensions off) refuse `.ts` (TS5097) yet resolve and type the module
// all the same. So every relative value import here is `.ts`, on one line, after a
// `// @ts-ignore: TS5097 …` line (tests/tooling/frontend-toolchains.test.ts checks both); type-only
// imports need none. The files keep to what those tsconfigs check in every file they reach
// (erasableSyntaxOnly, verbatimModuleSyntax, noUnusedLocals): no enums, no parameter properties, no
// Deno or Node APIs, and only zod, these files and ../database.types.ts imported.

// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see above)
export * from "./storable.ts";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see above)
export * from "./errors.ts";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see above)
export * from "./conversation.ts";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see above)
export * from "./ingest.ts";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see above)
export * from "./feedback.ts";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see above)
export * from "./refresh.ts";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see above)
export * from "./whoami.ts";
