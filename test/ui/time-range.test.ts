/** The search page's time range (src/ui/time-range.ts): URL <-> range <-> Jaeger API parameters. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RANGE, fromLocalInput, rangeFromParams, rangeToApi, rangeToUrl, toLocalInput } from '../../src/ui/time-range.js';

describe('time range', () => {
  it('reads presets and absolute ranges from the URL, and falls back to the last hour', () => {
    assert.deepEqual(rangeFromParams(new URLSearchParams('lookback=15m')), { kind: 'relative', lookback: '15m' });
    assert.deepEqual(rangeFromParams(new URLSearchParams('start=1000&end=2000&lookback=15m')), { kind: 'absolute', startUs: 1000, endUs: 2000 });
    for (const bad of ['', 'lookback=9y', 'start=2000&end=1000', 'start=x&end=2', 'start=5']) assert.deepEqual(rangeFromParams(new URLSearchParams(bad)), DEFAULT_RANGE, bad);
  });
  it('writes the URL (default adds nothing) and the Jaeger API parameters', () => {
    const q = new URLSearchParams('service=a&lookback=6h&start=1&end=2');
    rangeToUrl(DEFAULT_RANGE, q);
    assert.equal(q.toString(), 'service=a');
    rangeToUrl({ kind: 'absolute', startUs: 10.4, endUs: 20 }, q);
    assert.equal(q.toString(), 'service=a&start=10&end=20');
    const api = new URLSearchParams();
    rangeToApi({ kind: 'absolute', startUs: 10, endUs: 20 }, api);
    assert.equal(api.toString(), 'lookback=custom&start=10&end=20');
    const rel = new URLSearchParams();
    rangeToApi({ kind: 'relative', lookback: '24h' }, rel);
    assert.equal(rel.toString(), 'lookback=24h');
  });
  it('round-trips datetime-local values to the second and refuses malformed ones', () => {
    const us = Date.UTC(2026, 0, 2, 3, 4, 5) * 1000;
    assert.equal(fromLocalInput(toLocalInput(us)), us);
    assert.equal(fromLocalInput(''), null);
    assert.equal(fromLocalInput('2026-13-45T99:00'), null);
    assert.equal(fromLocalInput('yesterday'), null);
  });
});
