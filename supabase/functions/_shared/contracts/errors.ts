// Errors: every refusal a function (or the gateway in front of it) answers with. The codes are
// http.ts's (contracts_test.ts fails to compile when the two differ); no database enum has them.
import { z } from "zod";

export const ERROR_CODES = [
  "bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict",
  "payload_too_large", "unprocessable", "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** `{"error": {"code", "message", "details"?}}`; a 422's details list the issues `{path, message}`. */
export const errorEnvelopeSchema = z.object({
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string(), details: z.unknown().optional() }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;
