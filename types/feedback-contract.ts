/**
 * The submit-feedback contract for frontends (zod; zod 4 is a peer requirement, types/package.json).
 * Every function's contract and the typed invoke helper: types/functions.ts.
 * The `.js` specifier resolves to the .ts file under moduleResolution bundler, node16 and nodenext,
 * so no `allowImportingTsExtensions` is needed.
 */
export {
  type FeedbackSummary, feedbackSummarySchema, type SubmitFeedbackRequest, type SubmitFeedbackResponse,
  submitFeedbackResponseSchema, submitFeedbackSchema, type WithdrawFeedbackRequest, withdrawFeedbackSchema,
} from '../supabase/functions/_shared/contracts/index.js';
