import type { Store } from '../../store/store.js';
import { SamplingTargets, type SamplingStatisticsDocument } from '../../sampling/reservoir.js';
import {
  DEFAULT_RULE_NAME, applyUpdate, assertDeletable, defaultRule, formatValidationErrors, normalizeRule, ruleNameOf,
  sortRules, toRuleRecord, validateSamplingRule, validateSamplingRuleUpdate, type SamplingRule, type SamplingRuleUpdate,
} from '../../sampling/rules.js';
import { invalid, notFound, XrayApiError } from './errors.js';
import type { SharedSampling } from './shared-sampling.js';

const KIND = 'xray-sampling-rule';
const MAX_RULES = 25;
/** Shared mode: how long a node trusts its copy of the rules (ms). */
const RULES_TTL_MS = 2_000;

interface StoredRule {
  rule: SamplingRule;
  createdAt: number;
  modifiedAt: number;
}

type MetaStore = Pick<Store, 'getMeta' | 'putMeta' | 'listMeta' | 'deleteMeta'>;

/**
 * Sampling rules (kept in the store, so they survive restarts) and the reservoir shared among SDKs.
 * The reserved `Default` rule always exists; it can be updated, not deleted.
 */
export class SamplingService {
  private readonly targets = new SamplingTargets();
  private lastModification = 0;
  private cache: StoredRule[] | null = null;
  private cacheAt = 0;

  /**
   * `shared`: several Honeyray nodes on one store (ClickHouse). Each node's share of a reservoir comes
   * from the nodes' published demand, and the rules are read again every RULES_TTL_MS, so a rule
   * created or changed through one node reaches the SDKs of every node.
   */
  constructor(private readonly store: MetaStore, private readonly region: string, private readonly accountId: string, private readonly shared?: SharedSampling) {}

  async init(): Promise<void> {
    const all = await this.all();
    if (!all.some((r) => r.rule.RuleName === DEFAULT_RULE_NAME)) {
      const now = Date.now() / 1000;
      await this.save({ rule: normalizeRule(defaultRule(this.region, this.accountId), this.region, this.accountId), createdAt: now, modifiedAt: now });
    }
    this.lastModification = Math.max(0, ...(await this.all()).map((r) => r.modifiedAt));
  }

  private async all(): Promise<StoredRule[]> {
    if (this.shared && Date.now() - this.cacheAt > RULES_TTL_MS) this.cache = null;
    if (!this.cache) {
      this.cache = (await this.store.listMeta<StoredRule>(KIND)).map((m) => m.value);
      this.cacheAt = Date.now();
      // Another node's change counts as a modification here too (SDKs reload their rules on it).
      this.lastModification = Math.max(this.lastModification, ...this.cache.map((r) => r.modifiedAt));
      const names = new Set(this.cache.map((r) => r.rule.RuleName));
      for (const name of this.targets.demand().keys()) if (!names.has(name)) this.targets.forgetRule(name);
    }
    return this.cache;
  }

  private async save(r: StoredRule): Promise<void> {
    await this.store.putMeta(KIND, r.rule.RuleName!, r);
    this.cache = null;
  }

  async records() {
    return sortRules((await this.all()).map((r) => r.rule)).map((rule) => {
      const s = this.cache!.find((x) => x.rule.RuleName === rule.RuleName)!;
      return toRuleRecord(rule, s.createdAt, s.modifiedAt);
    });
  }

  async create(input: unknown) {
    const errors = validateSamplingRule(input);
    if (errors.length) throw invalid(formatValidationErrors(errors));
    const rule = normalizeRule(input as SamplingRule, this.region, this.accountId);
    if (rule.RuleName === DEFAULT_RULE_NAME) throw invalid('Default is a reserved rule name');
    const all = await this.all();
    if (all.some((r) => r.rule.RuleName === rule.RuleName)) throw invalid(`Sampling rule ${rule.RuleName} already exists`);
    if (all.length >= MAX_RULES) throw new XrayApiError(400, 'RuleLimitExceededException', `You have reached the maximum number of sampling rules (${MAX_RULES})`);
    const now = this.touch();
    await this.save({ rule, createdAt: now, modifiedAt: now });
    return toRuleRecord(rule, now, now);
  }

  async update(update: unknown) {
    const u = (update ?? {}) as SamplingRuleUpdate;
    const current = await this.find(u.RuleName ?? u.RuleARN);
    const errors = validateSamplingRuleUpdate(update, current.rule);
    if (errors.length) throw invalid(formatValidationErrors(errors));
    const rule = applyUpdate(current.rule, u);
    const now = this.touch();
    await this.save({ rule, createdAt: current.createdAt, modifiedAt: now });
    return toRuleRecord(rule, current.createdAt, now);
  }

  async delete(nameOrArn: string | undefined) {
    if (!nameOrArn) throw invalid('RuleName or RuleARN is required');
    try {
      assertDeletable(nameOrArn);
    } catch (err) {
      throw invalid((err as Error).message);
    }
    const current = await this.find(nameOrArn);
    await this.store.deleteMeta(KIND, current.rule.RuleName!);
    this.cache = null;
    this.targets.forgetRule(current.rule.RuleName!);
    const now = this.touch();
    return toRuleRecord(current.rule, current.createdAt, now);
  }

  async samplingTargets(docs: unknown) {
    if (!Array.isArray(docs)) throw invalid('SamplingStatisticsDocuments is required');
    if (docs.length > 25) throw invalid('SamplingStatisticsDocuments: at most 25 documents');
    const rules = (await this.all()).map((r) => r.rule);
    const recorded = this.targets.record(docs as SamplingStatisticsDocument[], rules);
    const reservoirs = this.shared ? await this.shared.reservoirs(this.targets.demand(), rules) : undefined;
    return this.targets.answer(recorded, this.lastModification, reservoirs);
  }

  async statisticSummaries() {
    return this.targets.summaries((await this.all()).map((r) => r.rule));
  }

  private async find(nameOrArn: string | undefined): Promise<StoredRule> {
    if (!nameOrArn) throw invalid('RuleName or RuleARN is required');
    const name = ruleNameOf(nameOrArn);
    const r = (await this.all()).find((x) => x.rule.RuleName === name);
    if (!r) throw invalid(`Sampling rule ${name} does not exist`);
    return r;
  }

  /** Epoch seconds of this change; also what GetSamplingTargets reports as LastRuleModification. */
  private touch(): number {
    this.lastModification = Math.max(Date.now() / 1000, this.lastModification + 0.001);
    return this.lastModification;
  }
}

export { notFound };
