/** Fixed ids from supabase/seed.sql. */
export const TENANT = {
  acme: '10000000-0000-4000-8000-000000000001',
  globex: '10000000-0000-4000-8000-000000000002',
  initech: '10000000-0000-4000-8000-000000000003',
} as const;

export const USER = {
  /** test-acme admin */
  alice: '20000000-0000-4000-8000-000000000001',
  /** test-acme member */
  bob: '20000000-0000-4000-8000-000000000002',
  /** test-globex admin */
  carol: '20000000-0000-4000-8000-000000000003',
  /** test-globex member */
  dave: '20000000-0000-4000-8000-000000000004',
  /** test-initech admin */
  erin: '20000000-0000-4000-8000-000000000005',
  /** test-initech member */
  frank: '20000000-0000-4000-8000-000000000006',
} as const;

/** Conversations: c1 alice, c2 and c3 (archived) bob in acme; c4 carol, c5 dave in globex; c6 erin, c7 frank in initech. */
export const CONVERSATION = {
  c1: '30000000-0000-4000-8000-000000000001',
  c2: '30000000-0000-4000-8000-000000000002',
  c3: '30000000-0000-4000-8000-000000000003',
  c4: '30000000-0000-4000-8000-000000000004',
  c5: '30000000-0000-4000-8000-000000000005',
  c6: '30000000-0000-4000-8000-000000000006',
  c7: '30000000-0000-4000-8000-000000000007',
} as const;

/** Message ids: 4000...00<conversation><1 = user question, 2 = assistant answer>. */
export const message = (conversation: number, turn: 1 | 2) =>
  `40000000-0000-4000-8000-0000000000${conversation}${turn}`;
