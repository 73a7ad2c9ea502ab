import { describe, expect, it } from 'vitest';
import { ParityError } from '../../src/errors.ts';
import { exportOnnx } from '../../src/export/export.ts';
import { assertParity, checkParity } from '../../src/export/parity.ts';
import { predict } from '../../src/model/predict.ts';
import type { GbdtModel, Model, Predictions } from '../../src/model/types.ts';
import { jsonCopy, type Kind, leafOf, METADATA, randomGbdt, randomLinear, randomTable } from './models.ts';

const TOLERANCE = 1e-5;
const table = randomTable(3000, 11);

const reference = (model: Model): Predictions => predict(model, table);

const KINDS: readonly Kind[] = ['binary', 'multiclass', 'regression'];

describe('parity of exported models with the TypeScript predictions', () => {
  for (const kind of KINDS) {
    it(`gbdt ${kind}`, async () => {
      const model = randomGbdt(kind, { seed: 3, trees: kind === 'multiclass' ? 90 : 60 });
      const report = await checkParity({
        model,
        onnx: exportOnnx(model, METADATA),
        table,
        tolerance: TOLERANCE,
        reference: reference(model),
      });
      expect(report).toMatchObject({ ok: true, rows: 3000, label_mismatches: 0, mismatched_rows: [] });
      if (kind === 'regression') {
        // Values around 4000 g: a float32 sum would be off by ~1e-4; the float64 tail keeps them to rounding.
        const values = reference(model).values!;
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        expect(Math.abs(mean - 4000)).toBeLessThan(400);
        expect(Math.min(...values)).toBeLessThan(3500);
        expect(Math.max(...values)).toBeGreaterThan(4500);
        expect(report.max_abs_diff).toBeLessThan(1e-9);
      } else {
        // Probabilities leave the graph as float32 (ONNX_OUTPUTS): at most half a float32 ulp of 1.
        expect(report.max_abs_diff).toBeLessThan(1e-7);
      }
    });

    it(`linear ${kind}`, async () => {
      const model = randomLinear(kind, 5);
      const report = await checkParity({
        model,
        onnx: exportOnnx(model, METADATA),
        table,
        tolerance: TOLERANCE,
        reference: reference(model),
      });
      expect(report).toMatchObject({ ok: true, rows: 3000, label_mismatches: 0 });
      expect(report.max_abs_diff).toBeLessThan(kind === 'regression' ? 1e-9 : 1e-7);
    });
  }

  it('uses the rows with missing, unseen and on-threshold values', () => {
    const island = table.columns.find((c) => c.name === 'island')!;
    const bill = table.columns.find((c) => c.name === 'bill_length_mm')!;
    if (island.type !== 'categorical' || bill.type !== 'numeric') throw new Error('unexpected fixture');
    const unseen = island.categories.indexOf('Unseen');
    expect(Array.from(island.codes).filter((c) => c === -1).length).toBeGreaterThan(100);
    expect(Array.from(island.codes).filter((c) => c === unseen).length).toBeGreaterThan(50);
    expect(Array.from(bill.values).filter(Number.isNaN).length).toBeGreaterThan(100);
    expect(Array.from(bill.values).filter((v) => v === 45.8).length).toBeGreaterThan(20);
  });

  it('keeps float64 split values exactly (thresholds that are not float32)', async () => {
    const model = randomGbdt('regression', { seed: 8, trees: 40, roundThresholds: false });
    const report = await checkParity({
      model,
      onnx: exportOnnx(model, METADATA),
      table,
      tolerance: TOLERANCE,
      reference: reference(model),
    });
    expect(report.ok).toBe(true);
    expect(report.max_abs_diff).toBeLessThan(1e-9);
  });

  it('holds for a model without trees and for single-leaf trees', async () => {
    const noTrees: GbdtModel = { ...randomGbdt('multiclass', { seed: 1, trees: 0 }), baseScore: [0.5, -1, 2] };
    const stumps = randomGbdt('binary', { seed: 2, trees: 6, depth: 0 });
    for (const model of [noTrees, stumps]) {
      const report = await checkParity({
        model,
        onnx: exportOnnx(model, METADATA),
        table,
        tolerance: TOLERANCE,
        reference: reference(model),
      });
      expect(report.ok).toBe(true);
    }
  });

  it("holds when feature names collide with the graph's own value names", async () => {
    const rename: Record<string, string> = { bill_length_mm: 'features', island: 'raw_score', sex: 'node/head/label' };
    const base = randomGbdt('binary', { seed: 12, trees: 10 });
    const model: GbdtModel = {
      ...base,
      signature: {
        ...base.signature,
        features: base.signature.features.map((f) => ({ ...f, name: rename[f.name] ?? f.name })),
      },
      categoryCodes: { raw_score: base.categoryCodes.island!, 'node/head/label': base.categoryCodes.sex! },
    };
    const renamed = { ...table, columns: table.columns.map((c) => ({ ...c, name: rename[c.name] ?? c.name })) };
    const report = await checkParity({
      model,
      onnx: exportOnnx(model, METADATA),
      table: renamed,
      tolerance: TOLERANCE,
      reference: predict(model, renamed),
    });
    expect(report.ok).toBe(true);
  });

  it('runs a 300-tree model in batches', async () => {
    const model = randomGbdt('regression', { seed: 21, trees: 300, depth: 6 });
    const big = randomTable(20_000, 4);
    const report = await checkParity({
      model,
      onnx: exportOnnx(model, METADATA),
      table: big,
      tolerance: TOLERANCE,
      reference: predict(model, big),
    });
    expect(report).toMatchObject({ ok: true, rows: 20_000 });
  });
});

describe('the parity gate fails when the file and the model differ', () => {
  it('names the rows that reach an altered leaf', async () => {
    const model = randomGbdt('regression', { seed: 13, trees: 30 });
    const onnx = exportOnnx(model, METADATA);
    // Tamper with the model after export: one leaf of tree 4 moves by 0.5 g.
    const tampered = jsonCopy(model) as GbdtModel;
    const tree = tampered.trees[4]!;
    const leaf = leafOf(model, 4, table, 0);
    (tree.value as number[])[leaf] = tree.value[leaf]! + 0.5;
    const affected: number[] = [];
    for (let row = 0; row < table.rowCount; row++) if (leafOf(model, 4, table, row) === leaf) affected.push(row);

    const report = await checkParity({
      model: tampered,
      onnx,
      table,
      tolerance: TOLERANCE,
      reference: predict(tampered, table),
    });
    expect(report.ok).toBe(false);
    expect(report.mismatched_count).toBe(affected.length);
    expect(report.mismatched_rows.map((r) => r.row)).toEqual(affected.slice(0, 10));
    expect(report.max_abs_diff).toBeCloseTo(0.5, 9);
    const first = report.mismatched_rows[0]!;
    expect(first.ts[0]! - first.onnx[0]!).toBeCloseTo(0.5, 9);
    expect(() => assertParity(report)).toThrow(ParityError);
    expect(() => assertParity(report)).toThrow(
      new RegExp(
        `disagrees .* on ${affected.length} of 3000 rows .*row 0: ts \\[[0-9.]+\\] vs onnx .*; row ${affected[1]}:`,
      ),
    );
  });

  it('counts label mismatches of a classifier', async () => {
    const model = randomGbdt('multiclass', { seed: 17, trees: 30 });
    const onnx = exportOnnx(model, METADATA);
    const tampered = jsonCopy(model) as GbdtModel;
    // A large push to class 2 in tree 2's first leaf flips labels.
    const leaf = leafOf(model, 2, table, 0);
    (tampered.trees[2]!.value as number[])[leaf] = 50;
    const report = await checkParity({
      model: tampered,
      onnx,
      table,
      tolerance: TOLERANCE,
      reference: predict(tampered, table),
    });
    expect(report.ok).toBe(false);
    expect(report.label_mismatches).toBeGreaterThan(0);
    const flipped = report.mismatched_rows.find((r) => r.ts_label !== r.onnx_label)!;
    expect(flipped.ts_label).toBe('Gentoo');
    expect(() => assertParity(report)).toThrow(/label "Gentoo" vs onnx/);
  });

  it('refuses a file exported from a model with another signature', async () => {
    const model = randomLinear('binary', 5);
    const other = randomLinear('multiclass', 5);
    await expect(
      checkParity({
        model,
        onnx: exportOnnx(other, METADATA),
        table,
        tolerance: TOLERANCE,
        reference: reference(model),
      }),
    ).rejects.toThrow(/exported ONNX signature .* differs from the model's/);
  });

  it('refuses to pass on an empty table', async () => {
    const model = randomLinear('binary', 5);
    const empty = { rowCount: 0, columns: table.columns };
    await expect(
      checkParity({
        model,
        onnx: exportOnnx(model, METADATA),
        table: empty,
        tolerance: TOLERANCE,
        reference: { rowCount: 0 },
      }),
    ).rejects.toThrow(/at least one row/);
  });

  it('passes a report that is ok', () => {
    expect(() =>
      assertParity({
        ok: true,
        rows: 1,
        tolerance: 1e-5,
        max_abs_diff: 0,
        label_mismatches: 0,
        mismatched_count: 0,
        mismatched_rows: [],
      }),
    ).not.toThrow();
  });
});
