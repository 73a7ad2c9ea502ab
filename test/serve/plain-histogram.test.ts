import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PlainHistogram } from '../../src/serve/plain-histogram.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1];

describe('PlainHistogram', () => {
  it("exposes exactly what prom-client's Histogram exposes for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const options = { name: 'latency_seconds', help: 'Latency.', buckets: BUCKETS };
    const plain = new PlainHistogram<'route' | 'method'>({
      ...options,
      labelNames: ['route', 'method'],
      registers: [ours],
    });
    const reference = new Histogram({ ...options, labelNames: ['route', 'method'] as const, registers: [theirs] });
    const unlabelled = new PlainHistogram({ name: 'rows', help: 'Rows.', buckets: [1, 8], registers: [ours] });
    const unlabelledReference = new Histogram({ name: 'rows', help: 'Rows.', buckets: [1, 8], registers: [theirs] });
    // Values on bucket bounds, between them and past the last one; series made but never observed stay out.
    plain.seriesOf({ route: '/never', method: 'GET' });
    const observations: [string, string, number][] = [
      ['/v2/models/:name/infer', 'POST', 0.001],
      ['/v2/models/:name/infer', 'POST', 0.0004],
      ['unmatched', 'GET', 0.5],
      ['/v2/models/:name/infer', 'POST', 3],
      ['unmatched', 'GET', 0.01],
    ];
    for (const [route, method, value] of observations) {
      plain.observe({ route, method }, value);
      reference.observe({ route, method }, value);
    }
    for (const value of [1, 2, 9]) {
      unlabelled.observe({}, value);
      unlabelledReference.observe(value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain(
      'latency_seconds_bucket{le="0.001",route="/v2/models/:name/infer",method="POST"} 2',
    );

    plain.reset();
    reference.reset();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuses a value that is not a finite number and a label set without a declared label', () => {
    const histogram = new PlainHistogram<'phase'>({
      name: 'phase_seconds',
      help: 'Phases.',
      labelNames: ['phase'],
      buckets: BUCKETS,
      registers: [],
    });
    expect(() => histogram.observe({ phase: 'predict' }, Number.NaN)).toThrow(/not a valid number/);
    expect(() => histogram.seriesOf({} as { phase: string })).toThrow(/label "phase" is missing/);
  });
});
