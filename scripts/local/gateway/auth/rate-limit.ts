// Per-IP limits of GoTrue's API limiter (internal/api/apilimiter): a token bucket per client
// address that refills at `limit` requests per 5 minutes. GoTrue lets a burst of 30 through;
// here the bucket holds `limit`, so a test that sets the limit to 3 sees the 4th request refused.
// [auth.rate_limit] sign_in_sign_ups covers sign-ups, password sign-ins and PUT /user (the
// config.toml text: "sign up and sign-in requests"), token_refresh the refresh grant.

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** limit requests per windowMs per key; 0 refuses everything, as a limit of zero does in GoTrue. */
  constructor(readonly limit: number, readonly windowMs = 5 * 60_000, private readonly now: () => number = Date.now) {}

  /** Take one request from key's bucket: false when it is empty. */
  take(key: string): boolean {
    const t = this.now();
    const rate = this.limit / this.windowMs;
    const b = this.buckets.get(key) ?? { tokens: this.limit, at: t };
    b.tokens = Math.min(this.limit, b.tokens + (t - b.at) * rate);
    b.at = t;
    if (this.buckets.size > 10_000) this.sweep(t);
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forget buckets that have refilled (they equal a new one). */
  private sweep(t: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + (t - b.at) * (this.limit / this.windowMs) >= this.limit) this.buckets.delete(k);
  }
}
