/**
 * Centralized sampling end to end: the seed's rule (Cruddur: FixedRate 0.1, ReservoirSize 5, ServiceName
 * backend-flask) created through the X-Ray API, and an express app with the real aws-xray-sdk-core 3.12
 * using centralized sampling against Honeyray's daemon TCP port.
 *
 * What the Node SDK really does (node_modules/aws-xray-sdk-core/dist/lib/middleware/sampling/):
 * - default_sampler.js: the first request starts the pollers; until the rules arrive (GetSamplingRules,
 *   fetched at once) decisions fall back to the LOCAL rules (here: sample nothing, so that any fallback
 *   decision shows up as unsampled and without a rule name).
 * - target_poller.js: every 10 s it reports the rules that matched (SamplingTargets) and loads the
 *   answer: rule_cache.loadTargets -> reservoir.loadNewQuota(quota, TTL, interval).
 * - service_connector.js parses `ReservoirQuotaTTL` (and `LastRuleModification`) with
 *   `new Date(x).getTime() / 1000`. X-Ray (and Honeyray) send epoch SECONDS as JSON numbers, which
 *   `new Date` reads as MILLISECONDS: the TTL lands in January 1970.
 * - reservoir.js borrowOrTake(now): `if (this.quota >= 0 && this.TTL >= now)` take from the quota, else
 *   borrow 1 per second (the rule has ReservoirSize > 0). With the 1970 TTL the quota is never used: the
 *   SDK keeps borrowing 1 request per wall-clock second, forever, and applies FixedRate (0.1) to the
 *   others. (Same with real X-Ray behind the real daemon, which passes the service's numbers through.)
 *   A borrowed request counts in BorrowCount only; SampledCount counts FixedRate hits.
 *
 * So the expected numbers: in each wall-clock second with traffic, the first request is sampled (borrow),
 * and of the other requests ~10% are (binomial). If the SDK did use the quota of 5 that Honeyray grants,
 * the first 5 of each second would be sampled: at ~20 requests/s that is ~2.5x as many as expected, which
 * the bounds below reject. The test checks both halves separately: every first-of-its-second request
 * sampled, and the others within 4.5 standard deviations of 10% (flakes with p < 1e-5).
 *
 * Duration: the SDK reports every 10 s, so the traffic (20 requests/s) runs ~22 s to see two reports.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import AWSXRay from 'aws-xray-sdk-core';
import xrayExpress from 'aws-xray-sdk-express';
import express from 'express';
import {
  BatchGetTracesCommand, CreateSamplingRuleCommand, GetSamplingStatisticSummariesCommand, GetTraceSummariesCommand, type XRayClient,
} from '@aws-sdk/client-xray';
import { eventually, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { exposeTraceId, inMinutes, listen, minutesAgo, pointXraySdkAt, quietXrayLogger, traceIdOf, xrayClient } from '../helpers/xray.js';

const require = createRequire(import.meta.url);
/** The SDK's own rule cache (the same module instance the SDK uses): read to see what it loaded. */
const ruleCache = require('aws-xray-sdk-core/dist/lib/middleware/sampling/rule_cache') as {
  getRules(): { getName(): string; getRate(): number; getReservoir(): { quota: number | null; TTL: number | null } }[];
  getLastUpdated(): number | null;
};

/** The seed's aws/JSON/xray.json rule. */
const SEED_RULE = {
  RuleName: 'Cruddur', ResourceARN: '*', Priority: 9000, FixedRate: 0.1, ReservoirSize: 5, ServiceName: 'backend-flask',
  ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1,
};

const RATE_PER_SECOND = 20;
const TRAFFIC_MS = 22_000;

interface Req { second: number; sampled: boolean; traceId: string }

describe('centralized sampling with aws-xray-sdk-core against Honeyray', () => {
  let srv: RunningServer;
  let xray: XRayClient;
  let closeApp: () => Promise<void>;
  const reqs: Req[] = [];
  let warmup: Req;

  before(async () => {
    srv = await startServer();
    xray = xrayClient(srv.xrayPort);
    await xray.send(new CreateSamplingRuleCommand({ SamplingRule: SEED_RULE }));

    AWSXRay.setLogger(quietXrayLogger);
    pointXraySdkAt(AWSXRay, srv.xrayPort);
    AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
    // Centralized sampling stays on (the default); the local fallback samples nothing.
    AWSXRay.middleware.setSamplingRules({ version: 2, default: { fixed_target: 0, rate: 0 } });

    const app = express();
    // The wall-clock second of the SDK's decision (taken in the same tick as the SDK takes its own).
    app.use((_req, res, next) => {
      res.setHeader('x-test-second', String(Math.floor(Date.now() / 1000)));
      next();
    });
    app.use(xrayExpress.openSegment('backend-flask'));
    app.use(exposeTraceId(() => AWSXRay.getSegment()));
    app.get('/api/activities/home', (_req, res) => { res.json([{ uuid: '1' }]); });
    app.use(xrayExpress.closeSegment());
    const server = await listen(app as unknown as http.RequestListener);
    closeApp = server.close;

    const get = async (): Promise<Req> => {
      const r = await fetch(`${server.url}/api/activities/home`);
      await r.arrayBuffer();
      const t = traceIdOf(r);
      return { second: Number(r.headers.get('x-test-second')), sampled: t.sampled, traceId: t.root };
    };

    // The first request starts the SDK's pollers and is decided by the local fallback (not sampled).
    const start = Date.now();
    warmup = await get();
    await eventually(async () => ruleCache.getRules().some((r) => r.getName() === 'Cruddur'), 5_000, 'the SDK to load the Cruddur rule');
    assert.equal(warmup.sampled, false, 'the request before the rules arrived used the local fallback');

    for (let i = 0; Date.now() - start < TRAFFIC_MS; i++) {
      reqs.push(await get());
      const wait = start + (i + 1) * (1000 / RATE_PER_SECOND) - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  });

  after(async () => {
    await closeApp?.();
    xray?.destroy();
    if (srv) {
      await srv.stop();
      removeDir(srv.dataDir);
    }
  });

  it('the SDK fetched the rule and got targets from Honeyray', async () => {
    const rule = ruleCache.getRules().find((r) => r.getName() === 'Cruddur')!;
    assert.ok(ruleCache.getRules().some((r) => r.getName() === 'Default'));
    // The targets answer was loaded: Honeyray granted this lone client the whole reservoir ...
    assert.equal(rule.getReservoir().quota, 5);
    assert.equal(rule.getRate(), 0.1);
    // ... but the SDK parsed the epoch-seconds TTL as milliseconds: it is in January 1970, so expired.
    const ttl = rule.getReservoir().TTL!;
    assert.ok(ttl > 0 && ttl < 86_400 * 365, `TTL as the SDK holds it: ${ttl}`);
    assert.ok(Math.abs(ttl * 1000 - (Date.now() / 1000 + 300)) < 60, 'TTL = now + 5 min, in seconds, divided by 1000');

    // Honeyray saw the SDK's reports (every ~10 s: at least one during the traffic).
    const s = await eventually(async () => {
      const out = await xray.send(new GetSamplingStatisticSummariesCommand({}));
      const c = out.SamplingStatisticSummaries?.find((x) => x.RuleName === 'Cruddur');
      return c && (c.RequestCount ?? 0) > 0 ? c : null;
    }, 15_000, 'statistics for Cruddur');
    assert.ok(s.RequestCount! <= reqs.length, `${s.RequestCount} reported of ${reqs.length}`);
    assert.ok(s.RequestCount! >= 40, `at least one report of several seconds of traffic: ${s.RequestCount}`);
    assert.ok((s.BorrowCount ?? 0) > 0, 'the SDK reported borrows');
    // SampledCount is the FixedRate hits only (borrows are counted apart): about 10% of the requests.
    assert.ok((s.SampledCount ?? 0) < (s.RequestCount ?? 0) * 0.3);
  });

  it('sampled = 1 borrowed request per second + ~10% of the rest, all under rule Cruddur', async () => {
    const seen = new Set<number>();
    let firsts = 0;
    let firstsSampled = 0;
    let rest = 0;
    let restSampled = 0;
    for (const r of reqs) {
      if (!seen.has(r.second)) {
        seen.add(r.second);
        firsts++;
        if (r.sampled) firstsSampled++;
      } else {
        rest++;
        if (r.sampled) restSampled++;
      }
    }
    const sampled = firstsSampled + restSampled;
    const sd = Math.sqrt(rest * 0.1 * 0.9);
    const detail = `${reqs.length} requests over ${firsts} s: ${firstsSampled}/${firsts} first-of-second sampled, ${restSampled}/${rest} others (expected ${(0.1 * rest).toFixed(1)} +- ${(4.5 * sd).toFixed(1)})`;
    console.log(`  sampling: ${detail}`);
    assert.ok(reqs.length >= 100, detail); // enough for the statistics below, even on a slow machine
    // The borrow: the first request of every second (a decision racing the second boundary may miss it).
    assert.ok(firstsSampled >= firsts - 1, detail);
    // FixedRate on the others. Were the quota of 5 used, ~4 more per second (~90 here) would be sampled.
    assert.ok(Math.abs(restSampled - 0.1 * rest) <= 4.5 * sd + 1, detail);

    // What Honeyray stored is exactly the sampled requests, each carrying the rule that sampled it.
    const want = reqs.filter((r) => r.sampled).map((r) => r.traceId);
    assert.equal(want.length, sampled);
    const stored = await eventually(async () => {
      const out = await xray.send(new GetTraceSummariesCommand({ StartTime: minutesAgo(5), EndTime: inMinutes(1), FilterExpression: 'service("backend-flask")' }));
      const ids = (out.TraceSummaries ?? []).map((t) => t.Id!);
      return ids.length >= want.length ? ids : null;
    }, 10_000, `${want.length} stored traces`);
    assert.deepEqual(stored.sort(), [...want].sort());
    for (let i = 0; i < want.length; i += 5) {
      const out = await xray.send(new BatchGetTracesCommand({ TraceIds: want.slice(i, i + 5) }));
      for (const t of out.Traces!) {
        const doc = JSON.parse(t.Segments![0]!.Document!);
        assert.equal(doc.aws.xray.rule_name, 'Cruddur', `rule of ${t.Id}`);
      }
    }
  });
});
