/**
 * The database types for frontends: `createClient<Database>(...)`. Generated once, by
 * `npm run gen:types` (supabase gen types), beside the edge functions that use them too.
 * The `.js` specifier resolves to the .ts file under moduleResolution bundler, node16 and nodenext,
 * so no `allowImportingTsExtensions` is needed.
 */
export * from '../supabase/functions/_shared/database.types.js';
