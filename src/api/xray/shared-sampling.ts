import type { Store } from '../../store/store.js';
import { nodeReservoirs, type NodeDemand } from '../../sampling/shared-reservoir.js';
import type { SamplingRule } from '../../sampling/rules.js';

const KIND = 'xray-sampling-demand';

/** Publications are written and read at most this often per node (ms): SDKs report every ~10 s each. */
const EXCHANGE_MS = 1_000;

type MetaStore = Pick<Store, 'putMeta' | 'listMeta'>;

/**
 * A node's side of the reservoirs shared by several Honeyray nodes on one store (sampling/
 * shared-reservoir.ts): publishes this node's demand per rule as a meta document (`xray-sampling-demand`,
 * one per node, the newest wins) and reads the other nodes' publications. If the store cannot be
 * reached, the last shares are kept (or the whole reservoir before the first exchange): sampling goes
 * on while ClickHouse is away.
 */
export class SharedSampling {
  private others: NodeDemand[] = [];
  private exchangedAt = 0;
  private pending: Promise<void> | null = null;

  constructor(private readonly store: MetaStore, readonly nodeId: string, private readonly now: () => number = Date.now) {}

  async reservoirs(demand: ReadonlyMap<string, number>, rules: readonly SamplingRule[]): Promise<Map<string, number>> {
    const me: NodeDemand = { node: this.nodeId, at: this.now(), demand: Object.fromEntries(demand) };
    if (me.at - this.exchangedAt >= EXCHANGE_MS) {
      this.pending ??= this.exchange(me).finally(() => { this.pending = null; });
      await this.pending;
    }
    return nodeReservoirs(me, this.others, new Map(rules.map((r) => [r.RuleName as string, r.ReservoirSize])), me.at);
  }

  private async exchange(me: NodeDemand): Promise<void> {
    try {
      await this.store.putMeta(KIND, me.node, me);
      this.others = (await this.store.listMeta<NodeDemand>(KIND)).map((m) => m.value).filter((d) => d.node !== me.node);
      this.exchangedAt = me.at;
    } catch {
      // Keep the last publications; the next report tries again.
    }
  }
}
