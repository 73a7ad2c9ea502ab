/**
 * Recreates data/penguins/ from the vega-datasets npm package (a devDependency): the Palmer penguins
 * (CC0), renamed to snake_case and split into arrival batches so that "push a new batch" is the
 * continuous-training story. Run: npx tsx scripts/bundle-penguins.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Random } from '../src/lib/random.ts';
import { vegaDataPath } from './vega-datasets.ts';

const source = vegaDataPath('penguins.json');
const rows = JSON.parse(readFileSync(source, 'utf8')) as Record<string, string | number | null>[];

const columns: [string, string][] = [
  ['species', 'Species'],
  ['island', 'Island'],
  ['bill_length_mm', 'Beak Length (mm)'],
  ['bill_depth_mm', 'Beak Depth (mm)'],
  ['flipper_length_mm', 'Flipper Length (mm)'],
  ['body_mass_g', 'Body Mass (g)'],
  ['sex', 'Sex'],
];
// Batches of arrival: a seeded shuffle so every batch holds all three species.
const order = new Random(2007).shuffle(rows.map((_, i) => i));
const batchSizes = [140, 104, 100];
mkdirSync('data/penguins', { recursive: true });
let start = 0;
batchSizes.forEach((size, b) => {
  const lines = [columns.map(([name]) => name).join(',')];
  for (const i of order.slice(start, start + size)) {
    lines.push(columns.map(([, key]) => csvCell(rows[i]![key])).join(','));
  }
  start += size;
  writeFileSync(`data/penguins/batch-${String(b + 1).padStart(2, '0')}.csv`, `${lines.join('\n')}\n`);
});
console.log(`wrote ${batchSizes.length} batches, ${start} of ${rows.length} rows`);

function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
