/**
 * Sampling reservoirs shared by several Honeyray nodes in front of one store (ClickHouse, one server or
 * a cluster). X-Ray's service splits a rule's reservoir among the daemons/SDKs that ask by their
 * reported demand; here there are two levels: each node takes a share of the rule's ReservoirSize by
 * its clients' demand (this file), then splits that share among its own clients as before
 * (reservoir.ts, with the share in place of ReservoirSize). With one node the share is the whole
 * reservoir, so a lone node behaves exactly as without sharing.
 *
 * Each node publishes, at every GetSamplingTargets, its demand per rule (requests its active clients
 * reported); each node reads everyone's latest publication and computes the same apportionment:
 * - nodes that published within the window take part (a node that stops asking drops out, and its
 *   share goes back to the others); this node always takes part with its current demand;
 * - node n's fair share is `R × d_n / Σ d` (or `R / N` when no node has demand), and whole quotas are
 *   handed out by largest remainder, so the nodes' quotas add up to exactly R when every node saw the
 *   same publications; ties go round by period (`periodMs`), so with R = 1 and two equal nodes each
 *   holds the unit half of the time.
 * Publications are read a little apart in time, so for a moment (one report interval) the quotas can
 * add up to a little more than R, as X-Ray's own quotas can while its clients' TTLs overlap.
 */

/** One node's latest publication. */
export interface NodeDemand {
  node: string;
  /** Epoch ms of the publication. */
  at: number;
  /** Rule name -> requests per report interval of the node's active clients. */
  demand: Record<string, number>;
}

export interface ApportionOptions {
  /** Publications older than this are left out (ms). Default 20 s: 2 × the SDK report interval. */
  windowMs?: number;
  /** Ties rotate every period (ms). Default 10 s. */
  periodMs?: number;
}

/** This node's reservoir per rule (`rules`: name -> ReservoirSize). */
export function nodeReservoirs(me: NodeDemand, others: readonly NodeDemand[], rules: ReadonlyMap<string, number>, now: number, opts: ApportionOptions = {}): Map<string, number> {
  const windowMs = opts.windowMs ?? 20_000;
  const period = Math.floor(now / (opts.periodMs ?? 10_000));
  const nodes = [me, ...others.filter((o) => o.node !== me.node && o.at >= now - windowMs)].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  const out = new Map<string, number>();
  for (const [rule, size] of rules) {
    const reservoir = Math.max(0, Math.floor(size));
    // A node without demand for a rule takes no part in it, unless it is this node.
    const taking = nodes.filter((n) => n === me || (n.demand[rule] ?? 0) > 0);
    const total = taking.reduce((s, n) => s + (n.demand[rule] ?? 0), 0);
    const shares = taking.map((n) => (total > 0 ? (reservoir * (n.demand[rule] ?? 0)) / total : reservoir / taking.length));
    const quotas = shares.map((s) => Math.floor(s + 1e-9));
    let left = reservoir - quotas.reduce((a, b) => a + b, 0);
    const order = taking.map((_, i) => i).sort((a, b) => {
      const byFraction = (shares[b]! - quotas[b]!) - (shares[a]! - quotas[a]!);
      if (Math.abs(byFraction) > 1e-9) return byFraction;
      return ((a + period) % taking.length) - ((b + period) % taking.length);
    });
    for (const i of order) {
      if (left <= 0) break;
      if (shares[i]! - quotas[i]! <= 1e-9 && total > 0) continue;
      quotas[i]!++;
      left--;
    }
    out.set(rule, quotas[taking.indexOf(me)]!);
  }
  return out;
}
