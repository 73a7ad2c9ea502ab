/**
 * The registry as a static web site: per model, its versions with their aliases, the alias (promotion)
 * history, the primary metric over versions, the latest monitor verdicts, and one page per version with its
 * report and card. Plain HTML files with inline SVG and CSS, relative links only: it opens from disk and
 * deploys to GitHub Pages as it is.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type ModelCard, parseModelCard } from '../card/index.ts';
import type { MetricName } from '../config/schema.ts';
import { defaultPrimaryMetric, METRICS } from '../evaluate/index.ts';
import type { AliasChange, ModelRegistry, ModelVersion } from '../registry/index.ts';
import { type Chart, reportCharts } from './charts.ts';
import { formatValue } from './format.ts';
import { reportFromCard } from './from-card.ts';
import { reportBodyHtml } from './html.ts';
import { escapeHtml as e, htmlPage, htmlTable } from './html-page.ts';
import { renderSvg } from './render-svg.ts';

/** What the site shows of a monitor report (monitor/<timestamp>.json); other fields are ignored. */
export const monitorVerdictSchema = z.looseObject({
  retrain: z.boolean(),
  severity: z.string(),
  reasons: z.array(z.string()),
  model: z.looseObject({ name: z.string(), version: z.union([z.number(), z.string()]) }),
  created_at: z.string(),
});
export type MonitorVerdict = z.output<typeof monitorVerdictSchema>;

/** Monitor verdicts shown per model, newest first. */
export const MONITOR_VERDICTS_SHOWN = 10;

export interface SiteInput {
  readonly registry: ModelRegistry;
  readonly models: readonly string[];
  /** Monitor reports (any order); those of other models are ignored. */
  readonly verdicts?: readonly MonitorVerdict[];
  /** Folder the site is written into (created). */
  readonly outDir: string;
  readonly title?: string;
}

export interface SiteResult {
  /** Paths written, relative to outDir. */
  readonly pages: readonly string[];
  readonly versions: number;
}

interface VersionEntry {
  readonly version: ModelVersion;
  readonly card: ModelCard | null;
  readonly cardProblem: string | null;
  readonly aliases: readonly string[];
}

/** Read monitor/<timestamp>.json files of a folder; files that are not monitor reports are skipped. */
export function readMonitorVerdicts(dir: string): MonitorVerdict[] {
  if (!existsSync(dir)) return [];
  const verdicts: MonitorVerdict[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    try {
      const parsed = monitorVerdictSchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      if (parsed.success) verdicts.push(parsed.data);
    } catch {
      // not JSON: not a monitor report
    }
  }
  return verdicts;
}

export async function buildSite(input: SiteInput): Promise<SiteResult> {
  const pages: string[] = [];
  const sections: string[] = [];
  let versionCount = 0;
  mkdirSync(input.outDir, { recursive: true });
  for (const name of input.models) {
    const [versions, aliases, history] = await Promise.all([
      input.registry.list(name),
      input.registry.aliases(name),
      input.registry.history(name),
    ]);
    const entries: VersionEntry[] = versions.map((version) => {
      const names = Object.entries(aliases)
        .filter(([, v]) => v === version.version)
        .map(([a]) => a)
        .sort();
      try {
        return {
          version,
          card: parseModelCard(version.card, `${name} v${version.version}`),
          cardProblem: null,
          aliases: names,
        };
      } catch (error) {
        return { version, card: null, cardProblem: (error as Error).message, aliases: names };
      }
    });
    versionCount += entries.length;
    const folder = safeName(name);
    mkdirSync(join(input.outDir, folder), { recursive: true });
    for (const entry of entries) {
      const page = `${folder}/v${entry.version.version}.html`;
      writeFileSync(join(input.outDir, page), await versionPage(entry));
      pages.push(page);
    }
    const verdicts = (input.verdicts ?? [])
      .filter((v) => v.model.name === name)
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
      .slice(0, MONITOR_VERDICTS_SHOWN);
    sections.push(await modelSection(name, folder, entries, history, verdicts));
  }
  const title = input.title ?? 'Model registry';
  const body = `<h1>${e(title)}</h1>
<p class="muted">${input.models.length} model(s), ${versionCount} version(s); built ${e(new Date().toISOString())}.</p>
${sections.join('\n')}`;
  writeFileSync(join(input.outDir, 'index.html'), htmlPage(title, body));
  pages.unshift('index.html');
  return { pages, versions: versionCount };
}

function primaryOf(entries: readonly VersionEntry[]): MetricName | null {
  const latest = [...entries].reverse().find((v) => v.card)?.card;
  if (!latest) return null;
  return latest.blessing.primary_metric ?? defaultPrimaryMetric(latest.evaluation.task);
}

async function modelSection(
  name: string,
  folder: string,
  entries: readonly VersionEntry[],
  history: readonly AliasChange[],
  verdicts: readonly MonitorVerdict[],
): Promise<string> {
  const primary = primaryOf(entries);
  const versionsTable = htmlTable(
    [
      'version',
      'aliases',
      'created',
      primary ? `${e(primary)} ${METRICS[primary].higherIsBetter ? '↑' : '↓'}` : 'primary metric',
      'blessing',
      'trainer',
      'commit',
    ],
    [...entries]
      .reverse()
      .map((v) => [
        `<a href="${folder}/v${v.version.version}.html">v${v.version.version}</a>`,
        v.aliases.map((a) => `<span class="badge registered">${e(a)}</span>`).join(' '),
        e((v.card?.created_at ?? v.version.card.created_at).replace('T', ' ').slice(0, 19)),
        v.card && primary ? formatValue(v.card.evaluation.metrics[primary] ?? null) : '—',
        v.card
          ? v.card.blessing.baseline_version
            ? `vs ${e(v.card.blessing.baseline_version)}`
            : 'first model'
          : `<span class="muted">${e(v.cardProblem ?? '')}</span>`,
        e(v.card?.trainer.algorithm ?? '—'),
        v.card?.git.commit ? `<code>${e(v.card.git.commit.slice(0, 12))}</code>` : '—',
      ]),
    'versions',
  );
  const historyTable =
    history.length === 0
      ? '<p class="muted">No alias has been set.</p>'
      : htmlTable(
          ['when', 'alias', 'change', 'action', 'by', 'reason'],
          [...history]
            .reverse()
            .map((h) => [
              e(h.at.replace('T', ' ').slice(0, 19)),
              e(h.alias),
              `${h.from === null ? '—' : `v${h.from}`} → v${h.to}`,
              e(h.action),
              e(h.actor),
              e(h.reason ?? ''),
            ]),
        );
  const verdictsHtml =
    verdicts.length === 0
      ? '<p class="muted">No monitor reports.</p>'
      : htmlTable(
          ['when', 'version', 'verdict', 'severity', 'reasons'],
          verdicts.map((v) => [
            e(v.created_at.replace('T', ' ').slice(0, 19)),
            e(String(v.model.version)),
            v.retrain ? '<span class="error">retrain</span>' : 'healthy',
            e(v.severity),
            e(v.reasons.join('; ')),
          ]),
        );
  const chart = metricChart(name, primary, entries);
  const figure = chart
    ? `<figure id="chart-${chart.id}" class="chart"><figcaption>${e(chart.title)}</figcaption>${await renderSvg(chart.spec, chart.id)}</figure>`
    : '';
  return `<h2 id="${e(folder)}">${e(name)}</h2>
<h3>Versions</h3>${versionsTable}
<div class="charts">${figure}</div>
<h3>Alias history (promotions and rollbacks)</h3>${historyTable}
<h3>Latest monitor verdicts</h3>${verdictsHtml}`;
}

/** The primary metric on each version's own holdout, with production's value on that holdout when compared. */
export function metricChart(name: string, primary: MetricName | null, entries: readonly VersionEntry[]): Chart | null {
  if (!primary) return null;
  const values = entries.flatMap((v) => {
    const value = v.card?.evaluation.metrics[primary];
    return typeof value === 'number' ? [{ version: v.version.version, [primary]: value }] : [];
  });
  if (values.length === 0) return null;
  return {
    id: `metric-${safeName(name)}`,
    title: `${primary} of each version on its holdout`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 420,
      height: 220,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'version', type: 'ordinal', title: 'version' },
        y: { field: primary, type: 'quantitative', scale: { zero: false } },
      },
    },
  };
}

async function versionPage(entry: VersionEntry): Promise<string> {
  const { version } = entry;
  const title = `${version.name} v${version.version}`;
  const back = '<p><a href="../index.html">← all versions</a></p>';
  if (!entry.card) {
    return htmlPage(
      title,
      `${back}<h1>${e(title)}</h1><p>This version's card cannot be read: ${e(entry.cardProblem ?? '')}</p>`,
    );
  }
  const report = reportFromCard(entry.card);
  const charts = await Promise.all(
    reportCharts(report).map(async (chart) => ({ chart, svg: await renderSvg(chart.spec, chart.id) })),
  );
  // GitHub versions are releases: the release page holds the assets, report.html of the run among them (CT attaches it).
  const release = /^https?:\/\//.test(version.location)
    ? `<p><a href="${e(version.location)}">Release page</a> (model.onnx, the card, and the run's full report.html)</p>`
    : '';
  const aliases =
    entry.aliases.length > 0
      ? `<p>Aliases: ${entry.aliases.map((a) => `<span class="badge registered">${e(a)}</span>`).join(' ')}</p>`
      : '';
  const card = `<h2 id="card">Model card</h2><details><summary>card.json</summary><pre><code>${e(JSON.stringify(entry.card, null, 2))}</code></pre></details>`;
  return htmlPage(title, `${back}${release}${aliases}${reportBodyHtml(report, charts)}${card}`);
}

/** A model name as a folder name (registry names are already plain; this keeps the site safe regardless). */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
