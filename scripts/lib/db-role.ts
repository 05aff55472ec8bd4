/**
 * Transactions as an API request (role, claims and request settings set locally, as PostgREST
 * does) and always-rolled-back transactions, for Node scripts and tests. The source lives with the
 * edge functions, which are deployed alone: supabase/functions/_shared/request-role.ts.
 */
export {
  actingAs, asRole, type Claims, inRequest, type RequestContext, requestSettings, rolledBack, settingsOf,
} from '../../supabase/functions/_shared/request-role.ts';
