import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueWait } from '../../src/pipeline/queue-wait.js';

describe('QueueWait', () => {
  it('expects the bytes queued ahead to take as long as the recent throughput says', () => {
    let t = 0;
    const w = new QueueWait(3000, () => t);
    // 1 MB committed every 100 ms for a second: 10 MB/s.
    for (let i = 1; i <= 10; i++) { w.started(i); t += 100; w.finished(i, 1_000_000); }
    const ms = w.expectedMs(20_000_000);
    assert.ok(ms > 1500 && ms < 2500, String(ms));
    assert.equal(w.expectedMs(0), 0);
  });

  it('falls back to the age of the oldest waiting request when nothing commits', () => {
    let t = 0;
    const w = new QueueWait(3000, () => t);
    w.started(1);
    w.started(2);
    t = 4000;
    assert.equal(w.expectedMs(100), 4000);
    w.finished(1, 100);
    t = 5000;
    assert.equal(w.expectedMs(100), 5000);
  });

  it('does not read a start-up burst (one request done, many queued) as a long queue', () => {
    let t = 0;
    const w = new QueueWait(3000, () => t);
    for (let i = 1; i <= 40; i++) w.started(i);
    t = 30;
    w.finished(1, 1000);
    assert.equal(w.expectedMs(39_000), 30);
  });

  it('forgets throughput older than its window', () => {
    let t = 0;
    const w = new QueueWait(1000, () => t);
    w.started(1);
    t = 10;
    w.finished(1, 1_000_000);
    t = 5000;
    assert.equal(w.expectedMs(1_000_000), 0);
  });
});
