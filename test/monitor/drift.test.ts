/**
 * Input and prediction drift of the monitor on seeded synthetic data: each kind of drift is caught (a shifted
 * numeric column, a new dominant category, a rise in missing values) in large windows (PSI / Jensen-Shannon) and
 * small ones (chi-squared); same-distribution resamples are not flagged — the false-alarm rate over 200 seeded
 * resamples stays under 5% at the default thresholds for both; a window below min_rows gets "not enough data".
 */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import type { Table } from '../../src/data/types.ts';
import { Random } from '../../src/lib/random.ts';
import {
  buildColumn,
  decide,
  inputDrift,
  labelProfile,
  type MonitorOptions,
  predictionDrift,
} from '../../src/monitor/index.ts';
import { chiSquaredSurvival, chiSquaredTest, computeProfile } from '../../src/validate/index.ts';

const DEFAULTS: MonitorOptions = configSchema.parse({ model: { name: 'm' }, data: { path: 'x', target: 't' } }).monitor;
const FEATURES = ['x', 'y', 'colour', 'size'];

interface Shape {
  readonly xMean?: number;
  readonly yMissing?: number;
  /** Share of rows taking the category "violet", never seen in training. */
  readonly newCategory?: number;
}

/** x ~ N(0, 1); y ~ N(10, 3) with 5% missing; colour in red/green/blue/black (50/30/15/5%); size S/L. */
function sample(rows: number, seed: number, shape: Shape = {}): Table {
  const random = new Random(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const x: number[] = [];
  const y: (number | null)[] = [];
  const colour: string[] = [];
  const size: string[] = [];
  for (let i = 0; i < rows; i++) {
    x.push((shape.xMean ?? 0) + normal());
    y.push(random.next() < (shape.yMissing ?? 0.05) ? null : 10 + 3 * normal());
    const u = random.next();
    colour.push(
      random.next() < (shape.newCategory ?? 0)
        ? 'violet'
        : u < 0.5
          ? 'red'
          : u < 0.8
            ? 'green'
            : u < 0.95
              ? 'blue'
              : 'black',
    );
    size.push(random.next() < 0.7 ? 'S' : 'L');
  }
  return {
    rowCount: rows,
    columns: [
      buildColumn('x', 'numeric', x),
      buildColumn('y', 'numeric', y),
      buildColumn('colour', 'categorical', colour),
      buildColumn('size', 'categorical', size),
    ],
  };
}

const training = computeProfile(sample(5000, 1));

function drift(window: Table) {
  const result = inputDrift(training, FEATURES, window, DEFAULTS);
  if (result.status !== 'ok') throw new Error(`expected a verdict, got ${result.status}`);
  return result;
}

function column(result: ReturnType<typeof drift>, name: string) {
  return result.columns.find((c) => c.column === name)!;
}

describe('chi-squared test', () => {
  it('gives the textbook p-values', () => {
    expect(chiSquaredSurvival(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquaredSurvival(18.307038, 10)).toBeCloseTo(0.05, 6);
    expect(chiSquaredSurvival(6.634897, 1)).toBeCloseTo(0.01, 6);
    // df 4: Q = e^(-x/2) (1 + x/2) exactly.
    expect(chiSquaredSurvival(0.5, 4)).toBeCloseTo(Math.exp(-0.25) * 1.25, 12);
    expect(chiSquaredSurvival(40, 3)).toBeCloseTo(1.063e-8, 10);
  });

  it('pools buckets with small expectations and leaves out buckets empty on both sides', () => {
    const result = chiSquaredTest([500, 300, 150, 50, 0], [50, 30, 15, 5, 0]);
    expect(result.df).toBe(3);
    expect(result.p_value).toBeGreaterThan(0.99);
    // Missing values where the reference had none: a small expectation, pooled, still detected.
    expect(chiSquaredTest([500, 300, 150, 50, 0], [30, 20, 10, 5, 35]).p_value).toBeLessThan(1e-6);
  });
});

describe('input drift', () => {
  it('catches a shifted numeric column in large and small windows', () => {
    const large = drift(sample(2000, 11, { xMean: 1 }));
    expect(large.test).toBe('distance');
    expect(column(large, 'x')).toMatchObject({ method: 'psi', drifted: true });
    expect(column(large, 'x').score).toBeGreaterThan(0.5);
    expect(column(large, 'y').drifted).toBe(false);
    const small = drift(sample(200, 12, { xMean: 1 }));
    expect(column(small, 'x')).toMatchObject({ method: 'chi_squared', drifted: true });
    expect(column(small, 'x').score).toBeLessThan(1e-6);
    const decision = decide({
      inputDrift: large,
      predictionDrift: { status: 'unavailable', reason: 'none' },
      feedback: { status: 'unavailable', reason: 'none' },
    });
    expect(decision.retrain).toBe(false); // one column of four is below the data-set share
    expect(decision.severity).toBe('info');
    expect(decision.reasons[0]!.message).toMatch(/column x drifted: PSI \d\.\d{3} > 0\.2/);
  });

  it('catches a new dominant category (an "unseen" value) in large and small windows', () => {
    const large = drift(sample(2000, 21, { newCategory: 0.6 }));
    expect(column(large, 'colour')).toMatchObject({ method: 'jensen_shannon', drifted: true });
    expect(column(large, 'colour').score).toBeGreaterThan(0.4);
    expect(drift(sample(150, 22, { newCategory: 0.6 })).columns.find((c) => c.column === 'colour')!.drifted).toBe(true);
  });

  it('catches a rise in missing values, and names it', () => {
    const large = drift(sample(2000, 31, { yMissing: 0.3 }));
    const y = column(large, 'y');
    expect(y.drifted).toBe(true);
    expect(y.missing).toMatchObject({ drifted: true, threshold: 0.1 });
    expect(y.missing!.reference).toBeCloseTo(0.05, 1);
    expect(y.missing!.current).toBeCloseTo(0.3, 1);
    const decision = decide({
      inputDrift: large,
      predictionDrift: { status: 'unavailable', reason: 'none' },
      feedback: { status: 'unavailable', reason: 'none' },
    });
    expect(decision.reasons.map((r) => r.message).join('\n')).toMatch(
      /column y drifted: .*missing values \d\.\d% → [23]\d\.\d%/,
    );
    expect(drift(sample(120, 32, { yMissing: 0.4 })).columns.find((c) => c.column === 'y')!.drifted).toBe(true);
  });

  it('asks for a retrain when most columns drift (data-set drift)', () => {
    const window = sample(2000, 41, { xMean: 1.5, yMissing: 0.4, newCategory: 0.5 });
    const result = drift(window);
    expect(result.dataset_drift).toBe(true);
    const decision = decide({
      inputDrift: result,
      predictionDrift: { status: 'unavailable', reason: 'none' },
      feedback: { status: 'unavailable', reason: 'none' },
    });
    expect(decision).toMatchObject({ retrain: true, severity: 'warning' });
    expect(decision.reasons[0]).toMatchObject({ kind: 'input_drift', retrain: true });
  });

  it.each([
    ['large windows (PSI / Jensen-Shannon)', 2000, 'distance'],
    ['small windows (chi-squared)', 200, 'chi_squared'],
  ])('does not flag same-distribution resamples: false alarms < 5%% over 200 seeds, %s', (_, rows, test) => {
    let retrains = 0;
    let columnAlarms = 0;
    for (let seed = 1000; seed < 1200; seed++) {
      const result = drift(sample(rows, seed));
      expect(result.test).toBe(test);
      columnAlarms += result.columns.filter((c) => c.drifted).length;
      const decision = decide({
        inputDrift: result,
        predictionDrift: { status: 'unavailable', reason: 'none' },
        feedback: { status: 'unavailable', reason: 'none' },
      });
      if (decision.retrain) retrains++;
    }
    expect(retrains / 200).toBeLessThan(0.05);
    // Per column too (200 windows × 4 columns).
    expect(columnAlarms / 800).toBeLessThan(0.05);
  });

  it('gives "not enough data" below min_rows instead of a verdict', () => {
    const result = inputDrift(training, FEATURES, sample(DEFAULTS.min_rows - 1, 51, { xMean: 3 }), DEFAULTS);
    expect(result).toEqual({ status: 'not_enough_data', rows: DEFAULTS.min_rows - 1, min_rows: DEFAULTS.min_rows });
    const decision = decide({
      inputDrift: result,
      predictionDrift: { status: 'unavailable', reason: 'none' },
      feedback: { status: 'unavailable', reason: 'none' },
    });
    expect(decision.retrain).toBe(false);
    expect(decision.notes).toContain('input drift: not enough data (49 rows, at least 50 needed)');
  });
});

describe('prediction drift', () => {
  const holdout = labelProfile(
    new Map([
      ['Adelie', 400],
      ['Gentoo', 350],
      ['Chinstrap', 250],
    ]),
  );
  const labels = (rows: number, seed: number, shares: [number, number, number]) => {
    const random = new Random(seed);
    return Array.from({ length: rows }, () => {
      const u = random.next();
      return u < shares[0] ? 'Adelie' : u < shares[0] + shares[1] ? 'Gentoo' : 'Chinstrap';
    });
  };

  it('flags predicted labels whose mix moved, in large and small windows, and asks for a retrain', () => {
    const large = predictionDrift(holdout, labels(3000, 1, [0.1, 0.2, 0.7]), DEFAULTS);
    expect(large).toMatchObject({ status: 'ok', method: 'jensen_shannon', drifted: true });
    const small = predictionDrift(holdout, labels(100, 2, [0.1, 0.2, 0.7]), DEFAULTS);
    expect(small).toMatchObject({ status: 'ok', method: 'chi_squared', drifted: true });
    const decision = decide({
      inputDrift: { status: 'unavailable', reason: 'none' },
      predictionDrift: small,
      feedback: { status: 'unavailable', reason: 'none' },
    });
    expect(decision).toMatchObject({ retrain: true, severity: 'warning' });
    expect(decision.reasons[0]!.message).toMatch(/^prediction drift over 100 rows: chi-squared p = /);
  });

  it('stays quiet for the holdout mix: false alarms < 5% over 200 seeds (small windows)', () => {
    let alarms = 0;
    for (let seed = 0; seed < 200; seed++) {
      const result = predictionDrift(holdout, labels(200, 5000 + seed, [0.4, 0.35, 0.25]), DEFAULTS);
      if (result.status === 'ok' && result.drifted) alarms++;
    }
    expect(alarms / 200).toBeLessThan(0.05);
  });

  it('is unavailable without holdout predictions and needs min_rows', () => {
    expect(predictionDrift(null, ['a'], DEFAULTS)).toMatchObject({ status: 'unavailable' });
    expect(predictionDrift(holdout, ['Adelie'], DEFAULTS)).toMatchObject({ status: 'not_enough_data', rows: 1 });
  });
});
