/**
 * Deterministic synthetic data with @faker-js/faker (fixed seed): tenants of skewed sizes, users,
 * conversations, messages, feedback, usage, dialogue logs with citations, materials with
 * provenance, and moderation records, over 90 days with a daily and weekly rhythm.
 */
import { Faker, en } from '@faker-js/faker';

export interface Scale { messages: number; dialogues: number; tenants: number; users: number }

export function scaleFor(name: string): Scale {
  const messages = { small: 10_000, medium: 100_000, large: 1_000_000 }[name] ?? Number(name);
  if (!Number.isInteger(messages) || messages < 100 || messages > 20_000_000) {
    throw new Error(`--scale must be small, medium, large or a number of messages between 100 and 20,000,000, got "${name}"`);
  }
  const users = Math.max(10, Math.round(messages / 200));
  return {
    messages,
    dialogues: messages,
    // At least five users per tenant, so the skew shows even at small scales.
    tenants: Math.max(3, Math.min(Math.round(Math.log10(messages) * 4), Math.floor(users / 5))),
    users,
  };
}

export const END_DAY = Date.UTC(2026, 10, 20); // 2026-11-20, the last loaded day
const DAY = 86_400_000;
const HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 8, 9, 10, 10, 9, 7, 5, 4, 3, 2, 2, 1];
const WEEKDAY_WEIGHTS = [3, 10, 10, 10, 10, 9, 4]; // Sunday .. Saturday

export class Generator {
  readonly f: Faker;
  private sentences: string[];
  private words: string[];

  constructor(seed = 20261121) {
    this.f = new Faker({ locale: [en] });
    this.f.seed(seed);
    this.sentences = Array.from({ length: 4000 }, () => this.f.lorem.sentence({ min: 4, max: 18 }));
    this.words = Array.from({ length: 2000 }, () => this.f.word.sample());
  }

  int(min: number, max: number): number {
    return this.f.number.int({ min, max });
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.f.number.int({ min: 0, max: xs.length - 1 })];
  }

  uuid(): string {
    return this.f.string.uuid();
  }

  weighted(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = this.f.number.float({ min: 0, max: total });
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r <= 0) return i;
    }
    return weights.length - 1;
  }

  /** A moment in the 90 days, busier on weekdays and in working hours. */
  moment(): Date {
    for (;;) {
      const day = END_DAY - this.int(0, 89) * DAY;
      const weekday = new Date(day).getUTCDay();
      if (this.f.number.float({ min: 0, max: 10 }) > WEEKDAY_WEIGHTS[weekday]) continue;
      return new Date(day + this.weighted(HOUR_WEIGHTS) * 3_600_000 + this.int(0, 3_599_999));
    }
  }

  text(minSentences: number, maxSentences: number): string {
    return Array.from({ length: this.int(minSentences, maxSentences) }, () => this.pick(this.sentences)).join(' ');
  }

  title(): string {
    return Array.from({ length: this.int(2, 6) }, () => this.pick(this.words)).join(' ');
  }

  /** Tenant weights: a few large tenants, a long tail (Zipf-like). */
  tenantWeights(n: number): number[] {
    return Array.from({ length: n }, (_, i) => 1 / (i + 1));
  }
}
