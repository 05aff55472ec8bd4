/** Fixed ids from supabase/seed.sql. */
export const TENANT = {
  acme: '10000000-0000-4000-8000-000000000001',
  globex: '10000000-0000-4000-8000-000000000002',
} as const;

export const USER = {
  /** acme owner */
  alice: '20000000-0000-4000-8000-000000000001',
  /** acme admin */
  bob: '20000000-0000-4000-8000-000000000002',
  /** acme member */
  carol: '20000000-0000-4000-8000-000000000003',
  /** globex owner */
  dave: '20000000-0000-4000-8000-000000000004',
  /** globex member */
  erin: '20000000-0000-4000-8000-000000000005',
  /** signed up, no tenant profile */
  frank: '20000000-0000-4000-8000-000000000006',
} as const;
