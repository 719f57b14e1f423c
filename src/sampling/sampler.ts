/**
 * A model of an X-Ray SDK's centralized sampler for one rule (Go `sampling_rule.go` / Node `reservoir.js`),
 * used by tests to check how `SamplingTargets` distributes a reservoir. Not used by the server.
 *
 * Per request: count it; if a quota is loaded and not expired, take from it (at most `quota` per wall-clock
 * second); if there is no valid quota and the rule's reservoir is > 0, borrow 1 per second; otherwise sample
 * with probability FixedRate.
 */
import type { Clock, SamplingStatisticsDocument, SamplingTargetDocument } from './reservoir.js';

export type Decision = 'take' | 'borrow' | 'fixed' | 'no';

export class SimulatedSdkRule {
  private quota: number | null = null;
  /** Epoch seconds. */
  private ttl = 0;
  private second = -1;
  private taken = 0;
  private borrowed = 0;
  private requests = 0;
  private sampled = 0;
  private borrows = 0;

  constructor(
    readonly clientId: string,
    readonly ruleName: string,
    private fixedRate: number,
    private readonly reservoirSize: number,
    private readonly clock: Clock,
    /** Uniform [0, 1) source, injectable for deterministic tests. */
    private readonly random: () => number = Math.random,
  ) {}

  /** Decides for one request at the clock's current time. */
  sample(): Decision {
    const nowSec = Math.floor(this.clock.now() / 1000);
    if (nowSec !== this.second) {
      this.second = nowSec;
      this.taken = 0;
      this.borrowed = 0;
    }
    this.requests++;
    if (this.quota !== null && nowSec <= this.ttl) {
      if (this.taken < this.quota) {
        this.taken++;
        this.sampled++;
        return 'take';
      }
    } else if (this.reservoirSize > 0 && this.borrowed < 1) {
      this.borrowed++;
      this.borrows++;
      this.sampled++;
      return 'borrow';
    }
    if (this.random() < this.fixedRate) {
      this.sampled++;
      return 'fixed';
    }
    return 'no';
  }

  /** The statistics document for the next report; resets the counters. Null when nothing matched. */
  snapshot(): SamplingStatisticsDocument | null {
    if (this.requests === 0) return null;
    const doc: SamplingStatisticsDocument = {
      RuleName: this.ruleName,
      ClientID: this.clientId,
      Timestamp: Math.floor(this.clock.now() / 1000),
      RequestCount: this.requests,
      SampledCount: this.sampled,
      BorrowCount: this.borrows,
    };
    this.requests = this.sampled = this.borrows = 0;
    return doc;
  }

  /** Loads a target from the server's answer. */
  load(t: SamplingTargetDocument): void {
    this.fixedRate = t.FixedRate;
    this.quota = t.ReservoirQuota;
    this.ttl = t.ReservoirQuotaTTL;
  }

  get currentQuota(): number | null {
    return this.quota;
  }
}
