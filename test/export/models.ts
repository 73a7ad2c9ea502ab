/**
 * Test models and tables for the export tests: seeded random GBDT and linear models over numeric and
 * categorical features, and tables with NaN, missing categories, unseen categories and values lying
 * exactly on split thresholds.
 */
import type { CategoricalColumn, Column, NumericColumn, Table } from '../../src/data/types.ts';
import { Random } from '../../src/lib/random.ts';
import { codeRanges, inCodeRanges } from '../../src/model/code-ranges.ts';
import { outputCount } from '../../src/model/link.ts';
import type { FeatureSpec, GbdtModel, LinearModel, Link, ModelSignature, Tree } from '../../src/model/types.ts';

export const FEATURES: readonly FeatureSpec[] = [
  { name: 'bill_length_mm', type: 'numeric' },
  { name: 'island', type: 'categorical' },
  { name: 'flipper_length_mm', type: 'numeric' },
  { name: 'sex', type: 'categorical' },
];

/** Model categories per categorical feature (code = index). */
export const CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  island: ['Biscoe', 'Dream', 'Torgersen'],
  sex: ['FEMALE', 'MALE'],
};

/** Numeric value grids: the trees' thresholds are drawn from these, and so are the data, so ties occur. */
const GRIDS: Readonly<Record<string, readonly number[]>> = {
  bill_length_mm: [32.1, 36.7, 39.5, 41.1, 43.2, 45.8, 47.5, 50.4, 55.9],
  flipper_length_mm: [172, 181.5, 190, 195, 201.25, 210, 217, 225, 231],
};

export type Kind = 'binary' | 'multiclass' | 'regression';

export function signatureFor(kind: Kind): ModelSignature {
  if (kind === 'regression') return { task: 'regression', target: 'body_mass_g', features: FEATURES };
  const classes = kind === 'binary' ? ['Adelie', 'Gentoo'] : ['Adelie', 'Chinstrap', 'Gentoo'];
  return { task: 'classification', target: 'species', features: FEATURES, classes };
}

export function linkFor(kind: Kind): Link {
  return kind === 'regression' ? 'identity' : kind === 'binary' ? 'sigmoid' : 'softmax';
}

/**
 * A random tree of at most `depth` levels over FEATURES; leaves scaled by `leafScale`. Numeric thresholds
 * are grid values, rounded to float32 as the model format promises unless `roundThresholds` is false.
 */
export function randomTree(
  random: Random,
  output: number,
  depth: number,
  leafScale: number,
  roundThresholds = true,
): Tree {
  const tree = {
    output,
    feature: [] as number[],
    threshold: [] as number[],
    left: [] as number[],
    right: [] as number[],
    missingLeft: [] as boolean[],
    value: [] as number[],
    gain: [] as number[],
    cover: [] as number[],
  };
  const sets: number[][] = [];
  const grow = (level: number): number => {
    const id = tree.feature.length;
    sets.push([]);
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.missingLeft.push(false);
    tree.value.push(0);
    tree.gain.push(0);
    tree.cover.push(1);
    if (level >= depth || (level > 0 && random.next() < 0.2)) {
      tree.value[id] = (random.next() * 2 - 1) * leafScale;
      return id;
    }
    const f = random.int(FEATURES.length);
    const feature = FEATURES[f]!;
    tree.feature[id] = f;
    if (feature.type === 'numeric') {
      const grid = GRIDS[feature.name]!;
      const value = grid[random.int(grid.length)]!;
      tree.threshold[id] = roundThresholds ? Math.fround(value) : value;
    } else if (random.next() < 0.5) {
      // Category codes: "x <= code" sends codes 0..code left.
      tree.threshold[id] = random.int(CATEGORIES[feature.name]!.length - 1);
    } else {
      // A set split: a random non-empty subset of the codes (all of them at times) goes left.
      const codes = CATEGORIES[feature.name]!.map((_, code) => code).filter(() => random.next() < 0.5);
      sets[id] = codes.length > 0 ? codes : [random.int(CATEGORIES[feature.name]!.length)];
    }
    tree.missingLeft[id] = random.next() < 0.5;
    tree.gain[id] = random.next();
    tree.left[id] = grow(level + 1);
    tree.right[id] = grow(level + 1);
    return id;
  };
  grow(0);
  return sets.some((codes) => codes.length > 0)
    ? { ...tree, leftCodeRanges: sets.map((codes) => codeRanges(codes)) }
    : tree;
}

/** A seeded random GBDT; regression predicts around 4000 ± 800 (a body mass in grams). */
export function randomGbdt(
  kind: Kind,
  options: { seed: number; trees: number; depth?: number; roundThresholds?: boolean },
): GbdtModel {
  const random = new Random(options.seed);
  const signature = signatureFor(kind);
  const link = linkFor(kind);
  const outputs = outputCount(link, signature.classes?.length ?? 1);
  const leafScale = kind === 'regression' ? 1200 / Math.sqrt(options.trees) : 3 / Math.sqrt(options.trees);
  const trees: Tree[] = [];
  for (let t = 0; t < options.trees; t++)
    trees.push(randomTree(random, t % outputs, options.depth ?? 5, leafScale, options.roundThresholds));
  const baseScore = Array.from({ length: outputs }, () =>
    kind === 'regression' ? 4000.123456789 : random.next() - 0.5,
  );
  return {
    kind: 'gbdt',
    signature,
    link,
    baseScore,
    trees,
    categoryCodes: CATEGORIES,
    params: { seed: options.seed },
  };
}

/** A seeded random linear model over FEATURES (design: numeric, island one-hot, numeric, sex one-hot). */
export function randomLinear(kind: Kind, seed: number): LinearModel {
  const random = new Random(seed);
  const signature = signatureFor(kind);
  const link = linkFor(kind);
  const outputs = outputCount(link, signature.classes?.length ?? 1);
  const scale = kind === 'regression' ? 500 : 1.5;
  const columns = 1 + CATEGORIES.island!.length + 1 + CATEGORIES.sex!.length;
  const weights = Array.from({ length: columns }, () =>
    Array.from({ length: outputs }, () => (random.next() * 2 - 1) * scale),
  );
  const bias = Array.from({ length: outputs }, () => (kind === 'regression' ? 4201.5 : random.next() - 0.5));
  return {
    kind: 'linear',
    signature,
    link,
    numeric: {
      bill_length_mm: { impute: 43.92192982456, center: 43.92192982456, scale: 5.4595837139 },
      flipper_length_mm: { impute: 200.9152046783, center: 200.9152046783, scale: 14.0617137943 },
    },
    categories: CATEGORIES,
    weights,
    bias,
    params: { seed },
  };
}

/**
 * A table over FEATURES (plus the target column, unused): numeric values from the threshold grids, nearby
 * values and NaN; categories in a different dictionary order than the model's, with missing values and an
 * unseen category.
 */
export function randomTable(rows: number, seed: number): Table {
  const random = new Random(seed);
  const columns: Column[] = [];
  for (const feature of FEATURES) {
    if (feature.type === 'numeric') {
      const grid = GRIDS[feature.name]!;
      const values = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        const r = random.next();
        const g = grid[random.int(grid.length)]!;
        // Exactly on a threshold, a float64 just above it (rounds onto it in float32), or in between.
        values[i] = r < 0.1 ? Number.NaN : r < 0.4 ? g : r < 0.5 ? g + 1e-9 : g + (random.next() - 0.5) * 8;
      }
      columns.push({ type: 'numeric', name: feature.name, values } satisfies NumericColumn);
    } else {
      const model = CATEGORIES[feature.name]!;
      // Reversed dictionary plus an unseen category, so matching must be by string.
      const categories = [...model].reverse().concat(['Unseen']);
      const codes = new Int32Array(rows);
      for (let i = 0; i < rows; i++) {
        const r = random.next();
        codes[i] = r < 0.1 ? -1 : r < 0.15 ? categories.length - 1 : random.int(model.length);
      }
      columns.push({ type: 'categorical', name: feature.name, codes, categories } satisfies CategoricalColumn);
    }
  }
  columns.push({ type: 'numeric', name: 'body_mass_g', values: new Float64Array(rows) });
  return { rowCount: rows, columns };
}

/** The node (leaf) that `row` reaches in tree `t` (for the tamper test). */
export function leafOf(model: GbdtModel, t: number, table: Table, row: number): number {
  const tree = model.trees[t]!;
  let node = 0;
  while (tree.feature[node] !== -1) {
    const feature = model.signature.features[tree.feature[node]!]!;
    const column = table.columns.find((c) => c.name === feature.name)!;
    let x: number;
    if (column.type === 'categorical') {
      const code = column.codes[row]!;
      const index = code < 0 ? -1 : model.categoryCodes[feature.name]!.indexOf(column.categories[code]!);
      x = index < 0 ? Number.NaN : index;
    } else {
      x = Math.fround(column.values[row]!);
    }
    const set = tree.leftCodeRanges?.[node] ?? [];
    const left = Number.isNaN(x)
      ? tree.missingLeft[node]!
      : set.length > 0
        ? inCodeRanges(set, x)
        : x <= tree.threshold[node]!;
    node = left ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}

/** A deep copy through JSON, as model.json would give. */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export const METADATA = {
  modelName: 'penguins',
  modelVersion: 'v3',
  dataDigest: 'sha256:0f3a9c',
  codeCommit: '859d51c',
  conveyorVersion: '0.1.0',
} as const;
