/**
 * Server side of `GetSamplingTargets`: shares each rule's reservoir (traces per second) among the SDK
 * instances ("clients") that use it, and keeps per-rule statistics for `GetSamplingStatisticSummaries`.
 *
 * How a rule's reservoir R is shared (X-Ray does not publish its algorithm; this one is ours):
 * - A client is active while it reported within the last `activeWindowSeconds` (default 2 × Interval = 20 s).
 *   SDKs report a rule only when it matched requests, so a quiet client drops out after the window and its
 *   share goes back to the others.
 * - Client i's fair share is `s_i = R × RequestCount_i / Σ RequestCount` over active clients (its last report),
 *   or `R / n` when all counts are 0. A lone client gets R.
 * - Quotas are whole requests per second and shares are fractional, so each client keeps a credit: what it
 *   was owed minus what it got, kept in [-2, 2]. At a report, client i is offered `ceil(s_i + credit_i)` (so an
 *   active client gets at least 1 while room remains), then `credit_i += s_i - q_i`. Over successive reports
 *   a client averages its fractional share: with R = 1 and three equal clients each holds the unit about a
 *   third of the time (the credit bound of 2 makes a holder keep it for a couple of intervals, which limits the
 *   idle gaps between one client giving it up and the next one asking).
 * - Hard cap: `q_i ≤ R − Σ q_j` of the quotas last issued to the other active clients, so the quotas
 *   outstanding never add up to more than R (a client whose share grew gets the rest once the others have
 *   reported and shrunk).
 * - `ReservoirQuotaTTL` = now + 5 min (epoch seconds), `Interval` = 10 (seconds), `FixedRate` = the rule's.
 *   A client that stops reporting keeps its quota until the TTL on its side; it only uses it if traffic resumes,
 *   and then it reports again within one interval.
 */
import type { SamplingRule } from './rules.js';

/** Injected time source: milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** One `SamplingStatisticsDocuments` entry (what SDKs send every ~10 s). */
export interface SamplingStatisticsDocument {
  RuleName: string;
  /** 24 hex characters (12 random bytes) identifying the SDK instance. */
  ClientID: string;
  /** Epoch seconds. */
  Timestamp: number;
  RequestCount: number;
  SampledCount: number;
  BorrowCount?: number;
}

export interface SamplingTargetDocument {
  RuleName: string;
  FixedRate: number;
  ReservoirQuota: number;
  /** Epoch seconds. */
  ReservoirQuotaTTL: number;
  /** Seconds until the client should report again. */
  Interval: number;
}

export interface UnprocessedStatistic {
  RuleName?: string;
  /** "400": a 4xx code makes the Go SDK refresh its rules. */
  ErrorCode: string;
  Message: string;
}

export interface SamplingTargetsResult {
  SamplingTargetDocuments: SamplingTargetDocument[];
  /** Epoch seconds (a number: the Node SDK rejects anything else). */
  LastRuleModification: number;
  UnprocessedStatistics: UnprocessedStatistic[];
}

export interface SamplingStatisticSummary {
  RuleName: string;
  /** Start of the window the counts cover, epoch seconds. */
  Timestamp: number;
  RequestCount: number;
  BorrowCount: number;
  SampledCount: number;
}

export interface SamplingTargetsOptions {
  /** Interval returned to clients, seconds. Default 10. */
  intervalSeconds?: number;
  /** A client counts for the split while it reported this recently. Default 2 × interval. */
  activeWindowSeconds?: number;
  /** Quota lifetime, seconds. Default 300. */
  quotaTtlSeconds?: number;
  /** Window of `summaries()`, seconds. Default 60. */
  summaryWindowSeconds?: number;
}

/** What `record` accepted and refused, for `answer`. */
export interface RecordedStatistics {
  accepted: Array<{ rule: SamplingRule; clientId: string }>;
  unprocessed: UnprocessedStatistic[];
}

/** GetSamplingTargets accepts at most this many statistics documents per call. */
export const MAX_STATISTICS_DOCUMENTS = 25;

interface ClientState {
  requests: number;
  reportedAt: number;
  /** Quota issued at the last report. */
  issued: number;
  /** Requests per second the client is owed (negative: it got more than its share), in ±MAX_CREDIT. */
  credit: number;
}

interface RuleState {
  clients: Map<string, ClientState>;
  history: Array<{ at: number; requests: number; borrowed: number; sampled: number }>;
}

const MAX_CREDIT = 2;
const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

export class SamplingTargets {
  private readonly state = new Map<string, RuleState>();
  private readonly interval: number;
  private readonly activeWindowMs: number;
  private readonly ttl: number;
  private readonly summaryWindowMs: number;

  constructor(
    private readonly clock: Clock = systemClock,
    opts: SamplingTargetsOptions = {},
  ) {
    this.interval = opts.intervalSeconds ?? 10;
    this.activeWindowMs = (opts.activeWindowSeconds ?? 2 * this.interval) * 1000;
    this.ttl = opts.quotaTtlSeconds ?? 300;
    this.summaryWindowMs = (opts.summaryWindowSeconds ?? 60) * 1000;
  }

  /**
   * Records the statistics of one GetSamplingTargets call and answers it. `rules` are all current rules (state
   * of rules not among them is dropped); `lastRuleModification` is the epoch-seconds time of the newest rule
   * change.
   */
  report(docs: readonly SamplingStatisticsDocument[], rules: readonly SamplingRule[], lastRuleModification = 0): SamplingTargetsResult {
    return this.answer(this.record(docs, rules), lastRuleModification);
  }

  /**
   * The first half of `report`: records the documents. Between the two halves a node of a cluster
   * learns its share of each rule's reservoir from its `demand()` (shared-reservoir.ts).
   */
  record(docs: readonly SamplingStatisticsDocument[], rules: readonly SamplingRule[]): RecordedStatistics {
    const now = this.clock.now();
    const byName = new Map(rules.filter((r) => r.RuleName).map((r) => [r.RuleName as string, r]));
    for (const name of [...this.state.keys()]) if (!byName.has(name)) this.state.delete(name);

    const unprocessed: UnprocessedStatistic[] = [];
    const accepted: Array<{ rule: SamplingRule; clientId: string }> = [];
    for (const raw of docs as readonly unknown[]) {
      const d = (raw && typeof raw === 'object' ? raw : {}) as Partial<Record<keyof SamplingStatisticsDocument, unknown>>;
      const ruleName = typeof d.RuleName === 'string' ? d.RuleName : undefined;
      const bad = (Message: string) => unprocessed.push({ ...(ruleName !== undefined ? { RuleName: ruleName } : {}), ErrorCode: '400', Message });
      if (!ruleName) {
        bad('RuleName is required');
        continue;
      }
      if (typeof d.ClientID !== 'string' || d.ClientID.length !== 24) {
        bad('ClientID must be 24 characters long');
        continue;
      }
      if (!isCount(d.RequestCount) || !isCount(d.SampledCount) || (d.BorrowCount !== undefined && !isCount(d.BorrowCount))) {
        bad('RequestCount, SampledCount and BorrowCount must be non-negative integers');
        continue;
      }
      const rule = byName.get(ruleName);
      if (!rule) {
        bad(`Sampling rule ${ruleName} does not exist`);
        continue;
      }
      const st = this.ruleState(ruleName);
      const prev = st.clients.get(d.ClientID);
      const requests = d.RequestCount as number;
      st.clients.set(d.ClientID, { requests, reportedAt: now, issued: prev?.issued ?? 0, credit: prev?.credit ?? 0 });
      st.history.push({ at: now, requests, borrowed: (d.BorrowCount as number | undefined) ?? 0, sampled: d.SampledCount as number });
      if (st.history[0].at < now - this.summaryWindowMs) st.history = st.history.filter((h) => h.at >= now - this.summaryWindowMs);
      accepted.push({ rule, clientId: d.ClientID });
    }

    return { accepted, unprocessed };
  }

  /**
   * The second half: targets for the recorded documents. `reservoirs` (rule name -> traces per second)
   * replaces rules' ReservoirSize: a cluster node's share; without it a rule's whole reservoir.
   */
  answer({ accepted, unprocessed }: RecordedStatistics, lastRuleModification = 0, reservoirs?: ReadonlyMap<string, number>): SamplingTargetsResult {
    const now = this.clock.now();
    // Targets after every document is recorded, so that clients reporting together are all counted.
    const targets = new Map<string, SamplingTargetDocument>();
    for (const { rule, clientId } of accepted) targets.set(rule.RuleName as string, this.target(rule, clientId, now, reservoirs?.get(rule.RuleName as string)));
    return {
      SamplingTargetDocuments: [...targets.values()],
      LastRuleModification: lastRuleModification,
      UnprocessedStatistics: unprocessed,
    };
  }

  private ruleState(name: string): RuleState {
    let st = this.state.get(name);
    if (!st) this.state.set(name, (st = { clients: new Map(), history: [] }));
    return st;
  }

  /**
   * Requests per rule of the clients active now (each client's last report): what this server's
   * clients ask of each rule, the demand a cluster node reports to the others.
   */
  demand(): Map<string, number> {
    const now = this.clock.now();
    const out = new Map<string, number>();
    for (const [name, st] of this.state) {
      let n = 0;
      for (const c of st.clients.values()) if (c.reportedAt >= now - this.activeWindowMs) n += c.requests;
      out.set(name, n);
    }
    return out;
  }

  private target(rule: SamplingRule, clientId: string, now: number, reservoir = rule.ReservoirSize): SamplingTargetDocument {
    const st = this.ruleState(rule.RuleName as string);
    for (const [id, c] of st.clients) if (c.reportedAt < now - this.activeWindowMs) st.clients.delete(id);
    const me = st.clients.get(clientId) as ClientState;
    const size = Math.max(0, Math.floor(reservoir));
    let total = 0;
    let othersIssued = 0;
    for (const [id, c] of st.clients) {
      total += c.requests;
      if (id !== clientId) othersIssued += c.issued;
    }
    const share = size === 0 ? 0 : total > 0 ? (size * me.requests) / total : size / st.clients.size;
    const quota = Math.max(0, Math.min(Math.ceil(share + me.credit - 1e-9), size - othersIssued));
    me.credit = Math.min(MAX_CREDIT, Math.max(-MAX_CREDIT, me.credit + share - quota));
    me.issued = quota;
    return {
      RuleName: rule.RuleName as string,
      FixedRate: rule.FixedRate,
      ReservoirQuota: quota,
      ReservoirQuotaTTL: Math.floor(now / 1000) + this.ttl,
      Interval: this.interval,
    };
  }

  /**
   * Per-rule counts reported during the last `summaryWindowSeconds`. With `rules`, every rule is listed
   * (zeros when it has no reports); otherwise only rules that have reports in the window.
   */
  summaries(rules?: readonly SamplingRule[]): SamplingStatisticSummary[] {
    const now = this.clock.now();
    const start = now - this.summaryWindowMs;
    const names = rules ? rules.map((r) => r.RuleName).filter((n): n is string => !!n) : [...this.state.keys()];
    const out: SamplingStatisticSummary[] = [];
    for (const name of names) {
      const st = this.state.get(name);
      if (st) st.history = st.history.filter((h) => h.at >= start);
      const h = st?.history ?? [];
      if (!rules && h.length === 0) continue;
      out.push({
        RuleName: name,
        Timestamp: Math.floor(start / 1000),
        RequestCount: h.reduce((s, x) => s + x.requests, 0),
        BorrowCount: h.reduce((s, x) => s + x.borrowed, 0),
        SampledCount: h.reduce((s, x) => s + x.sampled, 0),
      });
    }
    return out;
  }

  /** Drops the state of a deleted rule. */
  forgetRule(name: string): void {
    this.state.delete(name);
  }
}
