/**
 * The submit-feedback contract for frontends (zod; zod 4 is a peer requirement, types/package.json).
 * The answer's summary is a row of get_message_feedback_summary (feedbackSummarySchema validates the
 * RPC's rows too), or null when no feedback is left on the message.
 * Every function's contract and the typed invoke helper: types/functions.ts.
 * The `.js` specifier resolves to the .ts file under moduleResolution bundler, node16 and nodenext,
 * so no `allowImportingTsExtensions` is needed.
 */
export {
  type FeedbackSummary, feedbackSummarySchema, type SubmitFeedbackRequest, type SubmitFeedbackResponse,
  submitFeedbackResponseSchema, submitFeedbackSchema, type WithdrawFeedbackRequest, withdrawFeedbackSchema,
} from '../supabase/functions/_shared/contracts/index.js';
