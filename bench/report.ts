/**
 * What the run report costs next to the run it reports on. For each data set the pipeline runs once (its stages'
 * time from run.json is the baseline); then the report is written REPEAT times and timed in parts: reading the run
 * folder and recomputing the holdout predictions, rendering the charts (Vega), rendering Markdown and HTML.
 *
 * npx tsx bench/report.ts   (ROWS=100000 REPEAT=3 by default)
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { runPipeline } from '../src/pipeline/index.ts';
import { buildRunReport, readRunFiles, renderCharts, renderMarkdown, renderReportHtml } from '../src/report/index.ts';

const ROWS = Number(process.env.ROWS ?? 100_000);
const REPEAT = Number(process.env.REPEAT ?? 3);

/** A seeded synthetic binary classification table: 5 numbers, one category, a noisy linear rule. */
function syntheticCsv(rows: number): string {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = ['x1,x2,x3,x4,x5,group,label'];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: 5 }, () => random() * 2 - 1);
    const group = ['a', 'b', 'c', 'd'][Math.floor(random() * 4)]!;
    const score = x[0]! + 0.5 * x[1]! - x[2]! * x[3]! + (group === 'a' ? 0.3 : 0) + (random() - 0.5);
    lines.push(`${x.map((v) => v.toFixed(4)).join(',')},${group},${score > 0 ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(name: string, setup: (dir: string) => Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-report-'));
  try {
    const config = setup(dir);
    writeFileSync(join(dir, 'conveyor.yml'), stringify(config));
    const runDir = join(dir, 'runs', 'bench');
    await runPipeline({ configFile: 'conveyor.yml', cwd: dir, runDir, env: {}, skipRegister: true });
    const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
    const stagesMs = Object.values(record.stages as Record<string, { duration_ms: number }>).reduce(
      (sum, s) => sum + s.duration_ms,
      0,
    );
    const parts = { read: [] as number[], charts: [] as number[], text: [] as number[], total: [] as number[] };
    let sizes = { md: 0, html: 0 };
    for (let i = 0; i < REPEAT; i++) {
      const t0 = performance.now();
      const report = buildRunReport(await readRunFiles(runDir));
      const t1 = performance.now();
      const charts = await renderCharts(report);
      const t2 = performance.now();
      const md = renderMarkdown(report);
      const html = renderReportHtml(report, charts);
      const t3 = performance.now();
      parts.read.push(t1 - t0);
      parts.charts.push(t2 - t1);
      parts.text.push(t3 - t2);
      parts.total.push(t3 - t0);
      sizes = { md: md.length, html: html.length };
    }
    const total = median(parts.total);
    console.log(
      `| ${name} | ${record.stages.prepare ? JSON.parse(readFileSync(join(runDir, 'prepared/split.json'), 'utf8')).split.holdout_rows : ''} | ${(stagesMs / 1000).toFixed(2)} | ${(median(parts.read) / 1000).toFixed(2)} | ${(median(parts.charts) / 1000).toFixed(2)} | ${(median(parts.text) / 1000).toFixed(3)} | ${(total / 1000).toFixed(2)} | ${(total / stagesMs).toFixed(2)} | ${(sizes.md / 1024).toFixed(1)} | ${(sizes.html / 1024).toFixed(0)} |`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  '| data | holdout rows | stages s | read + predict s | charts s | md + html s | report s | report ÷ stages | md KiB | html KiB |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
// The first report in a process also pays for loading Vega (measured separately by the first repeat).
await measure('penguins (344 rows, 3 classes)', (dir) => {
  cpSync(resolve('data/penguins'), join(dir, 'data/penguins'), { recursive: true });
  return {
    model: { name: 'penguins' },
    data: { path: 'data/penguins/*.csv', target: 'species' },
    evaluation: { slices: ['island', 'sex'] },
  };
});
await measure(`synthetic (${ROWS.toLocaleString('en')} rows, binary)`, (dir) => {
  writeFileSync(join(dir, 'data.csv'), syntheticCsv(ROWS));
  return {
    model: { name: 'synthetic' },
    data: { path: 'data.csv', target: 'label' },
    evaluation: { slices: ['group'] },
  };
});
