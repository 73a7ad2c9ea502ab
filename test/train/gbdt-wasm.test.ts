import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { assembleKernels, GENERATED_PATH, generatedSource } from '../../scripts/build-wasm.ts';
import { Random } from '../../src/lib/random.ts';
import {
  allocateTrainingArrays,
  instantiateKernels,
  kernelModule,
  type WasmKernels,
} from '../../src/train/gbdt/wasm.ts';

describe('WebAssembly kernels', () => {
  test('kernels-wasm.ts is assembled from kernels.wat (run npm run build:wasm)', async () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(generatedSource(await assembleKernels()));
  });

  const ROWS = 5000;
  const FEATURES = 4;
  const BINS = 256;
  function setup() {
    const { memory, arrays } = allocateTrainingArrays({
      bins: ['u8', FEATURES * ROWS],
      rows: ['u32', ROWS],
      gradHess: ['f64', 2 * ROWS],
      ordered: ['f64', 2 * ROWS],
      hist: ['f64', FEATURES * BINS * 3],
      spare: ['u32', ROWS],
      sides: ['u8', 256],
    });
    const random = new Random(5);
    for (let i = 0; i < arrays.bins.length; i++) arrays.bins[i] = random.int(i % 3 === 0 ? 4 : BINS);
    for (let i = 0; i < arrays.gradHess.length; i++) arrays.gradHess[i] = random.next() * 2 - 1;
    // A node's rows: about 40%, ascending.
    let size = 0;
    for (let r = 0; r < ROWS; r++) if (random.next() < 0.4) arrays.rows[size++] = r;
    return { kernels: instantiateKernels(kernelModule(), memory), ...arrays, size };
  }

  test('gather copies each row’s gradient pair in row order', () => {
    const { kernels, rows, gradHess, ordered, size } = setup();
    kernels.gather(rows.byteOffset, size, gradHess.byteOffset, ordered.byteOffset);
    for (let i = 0; i < size; i++) {
      expect(ordered[2 * i]).toBe(gradHess[2 * rows[i]!]);
      expect(ordered[2 * i + 1]).toBe(gradHess[2 * rows[i]! + 1]);
    }
    expect(ordered[2 * size]).toBe(0);
  });

  test.each([
    [1, true],
    [2, true],
    [3, true],
    [4, true],
    [1, false],
    [2, false],
    [3, false],
    [4, false],
  ])('histogram%i (counts: %s) sums bit-identically to a scalar loop over the rows in order', (count, counts) => {
    const { kernels, rows, gradHess, ordered, bins, hist, size } = setup();
    kernels.gather(rows.byteOffset, size, gradHess.byteOffset, ordered.byteOffset);
    // Features in reverse order, to show each histogram follows its own column.
    const features = Array.from({ length: count }, (_, k) => FEATURES - 1 - k);
    const columns = features.map((f) => bins.byteOffset + f * ROWS);
    const targets = features.map((_, k) => hist.byteOffset + k * BINS * 24);
    const call: Record<number, (k: WasmKernels) => void> = counts
      ? {
          1: (k) => k.histogram1(rows.byteOffset, ordered.byteOffset, size, columns[0]!, targets[0]!),
          2: (k) => k.histogram2(rows.byteOffset, ordered.byteOffset, size, ...pair(columns), ...pair(targets)),
          3: (k) => k.histogram3(rows.byteOffset, ordered.byteOffset, size, ...triple(columns), ...triple(targets)),
          4: (k) => k.histogram4(rows.byteOffset, ordered.byteOffset, size, ...quad(columns), ...quad(targets)),
        }
      : {
          1: (k) => k.histogramSums1(rows.byteOffset, ordered.byteOffset, size, columns[0]!, targets[0]!),
          2: (k) => k.histogramSums2(rows.byteOffset, ordered.byteOffset, size, ...pair(columns), ...pair(targets)),
          3: (k) => k.histogramSums3(rows.byteOffset, ordered.byteOffset, size, ...triple(columns), ...triple(targets)),
          4: (k) => k.histogramSums4(rows.byteOffset, ordered.byteOffset, size, ...quad(columns), ...quad(targets)),
        };
    call[count]!(kernels);
    const expected = new Float64Array(hist.length);
    for (let i = 0; i < size; i++) {
      const row = rows[i]!;
      features.forEach((f, k) => {
        const at = (k * BINS + bins[f * ROWS + row]!) * 3;
        expected[at] += gradHess[2 * row]!;
        expected[at + 1] += gradHess[2 * row + 1]!;
        if (counts) expected[at + 2] += 1;
      });
    }
    expect(Array.from(hist)).toEqual(Array.from(expected));
    expect(expected.slice(0, BINS * 3).some((v) => v !== 0)).toBe(true);
  });

  test('partition: left rows in place, right rows to spare, both in row order; partitionChunk: right ones reversed, copyReversed puts them back', () => {
    const { kernels, rows, bins, spare, sides, size } = setup();
    const random = new Random(8);
    for (let b = 0; b < 256; b++) sides[b] = random.next() < 0.3 ? 1 : 0;
    const column = 2 * ROWS;
    const before = Array.from(rows.subarray(0, size));
    const goesLeft = (row: number) => sides[bins[column + row]!] === 1;
    const left = before.filter(goesLeft);
    const right = before.filter((row) => !goesLeft(row));
    expect(left.length).toBeGreaterThan(0);
    expect(right.length).toBeGreaterThan(0);

    const chunkLeft = kernels.partitionChunk(
      rows.byteOffset,
      size,
      bins.byteOffset + column,
      sides.byteOffset,
      spare.byteOffset,
    );
    expect(chunkLeft).toBe(left.length);
    expect(Array.from(spare.subarray(0, size))).toEqual([...left, ...[...right].reverse()]);
    // The chunk's right part back in row order (partitionPlaceKernel), here into rows.
    kernels.copyReversed(spare.byteOffset + 4 * chunkLeft, size - chunkLeft, rows.byteOffset);
    expect(Array.from(rows.subarray(0, size - chunkLeft))).toEqual(right);
    rows.set(before);

    const count = kernels.partition(
      rows.byteOffset,
      size,
      bins.byteOffset + column,
      sides.byteOffset,
      spare.byteOffset,
    );
    expect(count).toBe(left.length);
    expect(Array.from(rows.subarray(0, count))).toEqual(left);
    expect(Array.from(spare.subarray(0, size - count))).toEqual(right);
  });

  test('markLeaf marks each listed row’s leaf; applyLeafValues adds its value to the row’s score (a strided output) and scales its e^-score', () => {
    const { memory, arrays } = allocateTrainingArrays({
      rows: ['u32', 3],
      leaves: ['u16', 6],
      values: ['f64', 2],
      factors: ['f64', 2],
      scores: ['f64', 2 * 6],
      exp: ['f64', 6],
    });
    const kernels = instantiateKernels(kernelModule(), memory);
    arrays.rows.set([4, 1, 5]);
    kernels.markLeaf(arrays.rows.byteOffset, 3, arrays.leaves.byteOffset, 1);
    kernels.markLeaf(arrays.rows.byteOffset, 1, arrays.leaves.byteOffset, 300);
    expect(Array.from(arrays.leaves)).toEqual([0, 1, 0, 0, 300, 1]);
    arrays.leaves[4] = 1;
    arrays.values.set([-1, 0.25]);
    arrays.factors.set([5, 3]);
    arrays.scores.fill(0.5);
    arrays.exp.fill(2);
    // Output 1 of two: scores of row r at 2r + 1.
    const { leaves, scores, exp, values, factors } = arrays;
    kernels.applyLeafValues(
      leaves.byteOffset,
      6,
      scores.byteOffset + 8,
      16,
      exp.byteOffset,
      values.byteOffset,
      factors.byteOffset,
    );
    expect(Array.from(scores)).toEqual([0.5, -0.5, 0.5, 0.75, 0.5, -0.5, 0.5, -0.5, 0.5, 0.75, 0.5, 0.75]);
    expect(Array.from(exp)).toEqual([10, 6, 10, 10, 6, 6]);
    // exp = 0: no e^-scores kept (objectives other than binary log-loss); rows 2.. only.
    kernels.applyLeafValues(
      leaves.byteOffset + 4,
      4,
      scores.byteOffset + 32,
      16,
      0,
      values.byteOffset,
      factors.byteOffset,
    );
    expect(Array.from(scores.filter((_, i) => i % 2 === 0))).toEqual([0.5, 0.5, -0.5, -0.5, 0.75, 0.75]);
    expect(Array.from(exp)).toEqual([10, 6, 10, 10, 6, 6]);
  });

  test('binaryGradients: per row the gradient, hessian and loss terms of the scalar formulas, bit for bit', () => {
    // Odd: pairs of rows, then one alone.
    const ROWS_HERE = 301;
    const { memory, arrays } = allocateTrainingArrays({
      scores: ['f64', ROWS_HERE],
      target: ['f64', ROWS_HERE],
      exp: ['f64', ROWS_HERE],
      grads: ['f64', 2 * ROWS_HERE],
      linear: ['f64', 1],
    });
    const kernels = instantiateKernels(kernelModule(), memory);
    const random = new Random(12);
    for (let i = 0; i < ROWS_HERE; i++) {
      // Signs both ways, |s| up to 800 (e^-s overflows to Infinity or underflows to 0), and exact zeros.
      const s = i % 50 === 0 ? (i % 100 === 0 ? 0 : -0) : (random.next() * 2 - 1) * (i % 7 === 0 ? 800 : 6);
      arrays.scores[i] = s;
      arrays.target[i] = random.int(2);
      arrays.exp[i] = Math.exp(-s);
    }
    arrays.linear[0] = 0.25;
    const product = kernels.binaryGradients(
      arrays.scores.byteOffset,
      arrays.target.byteOffset,
      arrays.exp.byteOffset,
      arrays.grads.byteOffset,
      ROWS_HERE,
      arrays.linear.byteOffset,
    );
    let linear = 0.25;
    let expectedProduct = 1;
    for (let i = 0; i < ROWS_HERE; i++) {
      const s = arrays.scores[i]!;
      const y = arrays.target[i]!;
      const q = arrays.exp[i]!;
      const e = s >= 0 ? q : 1 / q;
      const inverse = 1 / (1 + e);
      const p = s >= 0 ? inverse : e * inverse;
      linear += Math.max(s, 0) - y * s;
      expectedProduct *= 1 + e;
      expect(arrays.grads[2 * i]).toBe(p - y);
      expect(arrays.grads[2 * i + 1]).toBe(Math.max(p * (1 - p), 1e-16));
    }
    expect(arrays.linear[0]).toBe(linear);
    expect(product).toBe(expectedProduct);
  });

  test('mergeInto adds then clears, subtractFrom subtracts: element by element, odd lengths included', () => {
    const { memory, arrays } = allocateTrainingArrays({ to: ['f64', 7], from: ['f64', 7] });
    const kernels = instantiateKernels(kernelModule(), memory);
    const to = [0.1, -2, 3.5, 1e-300, 7, 0.3, -0];
    const from = [0.2, 2, -1.25, 1e300, 0, 0.6, 5];
    arrays.to.set(to);
    arrays.from.set(from);
    kernels.subtractFrom(arrays.to.byteOffset, arrays.from.byteOffset, 7);
    expect(Array.from(arrays.to)).toEqual(to.map((v, i) => v - from[i]!));
    arrays.to.set(to);
    kernels.mergeInto(arrays.to.byteOffset, arrays.from.byteOffset, 7);
    expect(Array.from(arrays.to)).toEqual(to.map((v, i) => v + from[i]!));
    expect(Array.from(arrays.from)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  test('without WebAssembly (node --jitless) training says so and what to do', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const entry = `
      import { trainGbdt } from './src/train/gbdt/index.ts';
      import { binaryData, trainInput } from './test/train/gbdt-data.ts';
      try {
        await trainGbdt(trainInput(binaryData(200, 3), { n_trees: 2 }));
        console.log('trained');
      } catch (error) {
        console.log(error.message);
      }
    `;
    const run = spawnSync(process.execPath, ['--jitless', '--import', 'tsx', '--input-type=module', '-e', entry], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/GBDT training needs WebAssembly, .*--jitless.* trainer\.algorithm: linear/);
  }, 60_000);

  test('training arrays: zeroed, aligned, disjoint views of one shared memory; too large is refused', () => {
    const { memory, arrays } = allocateTrainingArrays({ a: ['u8', 3], b: ['f64', 5], c: ['i32', 7] });
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const views = [arrays.a, arrays.b, arrays.c];
    for (const view of views) {
      expect(view.buffer).toBe(memory.buffer);
      expect(view.byteOffset % 64).toBe(0);
      expect(Array.from(view).every((v) => v === 0)).toBe(true);
    }
    expect(arrays.a.byteOffset + 3).toBeLessThanOrEqual(arrays.b.byteOffset);
    expect(arrays.b.byteOffset + 40).toBeLessThanOrEqual(arrays.c.byteOffset);
    expect(() => allocateTrainingArrays({ bins: ['u8', 3 * 2 ** 30], hist: ['f64', 2 ** 28] })).toThrow(
      /training needs 5\.0 GiB of working memory .* more than the 4 GiB limit: use fewer rows/,
    );
  });
});

function pair(values: number[]): [number, number] {
  return [values[0]!, values[1]!];
}
function triple(values: number[]): [number, number, number] {
  return [values[0]!, values[1]!, values[2]!];
}
function quad(values: number[]): [number, number, number, number] {
  return [values[0]!, values[1]!, values[2]!, values[3]!];
}
