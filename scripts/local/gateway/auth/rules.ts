// GoTrue's checks on values: email format (checkmail, mail.go validateEmail), phone (E.164,
// phone.go), password strength (password.go), the mailer's address validation on paths that send
// mail (mailer/validateclient), and Go durations (ban_duration).
import type { AuthSettings } from "./config.ts";
import { AuthError, badRequest, validationFailed } from "./errors.ts";

const U = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef";
const ATOM = `[a-zA-Z0-9!#$%&'*+\\-/=?^_\`{|}~${U}]+`;
const LABEL = `[a-zA-Z0-9${U}](?:[a-zA-Z0-9\\-.~${U}]*[a-zA-Z0-9${U}])?`;
const TLD = `[a-zA-Z${U}](?:[a-zA-Z0-9\\-.~${U}]*[a-zA-Z${U}])?`;
/** checkmail.ValidateFormat's pattern for unquoted local parts (quoted ones are not accepted here). */
const EMAIL = new RegExp(`^${ATOM}(?:\\.${ATOM})*@(?:${LABEL}\\.)+${TLD}\\.?$`, "u");

/** GoTrue's validateEmail: required, at most 255 bytes, checkmail's format; lower-cased. */
export function validateEmail(email: string): string {
  if (email === "") throw validationFailed("An email address is required");
  if (new TextEncoder().encode(email).length > 255) throw validationFailed("An email address is too long");
  if (!EMAIL.test(email)) throw validationFailed("Unable to validate email address: invalid format");
  return email.toLowerCase();
}

/** GoTrue's validatePhone: "+" and spaces dropped, then E.164 digits. */
export function validatePhone(phone: string): string {
  const formatted = phone.replace(/^\+/, "").replaceAll(" ", "");
  if (!/^[1-9]\d{1,14}$/.test(formatted)) throw validationFailed("Invalid phone number format (E.164 required)");
  return formatted;
}

export const MAX_PASSWORD_BYTES = 72;

/** What is wrong with a password under the current rules: null, a hard error, or weak_password reasons. */
export function passwordProblem(settings: AuthSettings, password: string): AuthError | null {
  const bytes = new TextEncoder().encode(password).length;
  if (bytes > MAX_PASSWORD_BYTES) return validationFailed(`Password cannot be longer than ${MAX_PASSWORD_BYTES} characters`);
  const reasons: string[] = [];
  const messages: string[] = [];
  // Go's len() counts bytes.
  if (bytes < settings.minPasswordLength) {
    reasons.push("length");
    messages.push(`Password should be at least ${settings.minPasswordLength} characters.`);
  }
  for (const set of settings.requiredCharacters) {
    if (![...set].some((c) => password.includes(c))) {
      reasons.push("characters");
      messages.push(`Password should contain at least one character of each: ${settings.requiredCharacters.join(", ")}.`);
      break;
    }
  }
  return reasons.length ? new AuthError(422, "weak_password", messages.join(" "), reasons) : null;
}

export function checkPasswordStrength(settings: AuthSettings, password: string): void {
  const problem = passwordProblem(settings, password);
  if (problem) throw problem;
}

// The mailer's validation of a recipient (validateclient.go): addresses and hosts that are never
// deliverable. It runs only where GoTrue sends mail (invites; sign-ups when confirmations are on).
const INVALID_EMAILS = new Set(["test@gmail.com", "example@gmail.com", "someone@gmail.com", "test@email.com"]);
const INVALID_HOST_SUFFIXES = [".test", ".example", ".invalid", ".local", ".localhost"];
const INVALID_HOSTS = new Set([
  "test", "example", "invalid", "local", "localhost", "test.com", "example.com", "example.net", "example.org",
  "gamil.com", "gamai.com", "anonymous.com", "email.com",
]);

export function validateRecipient(email: string): void {
  const host = email.slice(email.lastIndexOf("@") + 1).replace(/\.$/, "").toLowerCase();
  if (INVALID_EMAILS.has(email.toLowerCase()) || INVALID_HOSTS.has(host) || INVALID_HOST_SUFFIXES.some((s) => host.endsWith(s))) {
    throw badRequest("email_address_invalid", `Email address ${JSON.stringify(email)} is invalid`);
  }
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };

/** Go's time.ParseDuration, in milliseconds ("24h", "1h30m", "-5m"); null when it is not one. */
export function parseGoDuration(text: string): number | null {
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/u.exec(text);
  if (text === "0") return 0;
  if (!m) return null;
  let total = 0;
  for (const part of text.replace(/^[-+]/, "").matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gu)) {
    total += Number(part[1]) * UNIT_MS[part[2]];
  }
  // Go durations are int64 nanoseconds: about 292 years.
  if (!Number.isFinite(total) || total > 9.2e15) return null;
  return m[1] === "-" ? -total : total;
}
