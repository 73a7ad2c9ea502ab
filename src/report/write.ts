/**
 * The report executor: a run folder → report/report.md and report/report.html in it. Reads only the run
 * folder, so it works on any finished, failed or refused run, here or on a downloaded artifact.
 */
import { writeArtifact } from '../pipeline/index.ts';
import { buildRunReport } from './build.ts';
import { reportCharts } from './charts.ts';
import { type RenderedChart, renderReportHtml } from './html.ts';
import { COMMENT_LIMIT, renderMarkdown } from './markdown.ts';
import { renderSvg } from './render-svg.ts';
import { readRunFiles } from './run-files.ts';
import type { RunReport } from './types.ts';

export interface WriteReportOptions {
  /** Where report.html will be found, named when report.md has to be cut. */
  readonly fullReportUrl?: string;
}

export interface WrittenReport {
  readonly report: RunReport;
  readonly markdownPath: string;
  readonly htmlPath: string;
  readonly markdown: string;
  readonly html: string;
  readonly charts: readonly RenderedChart[];
}

/** Render every chart of a report to SVG. */
export async function renderCharts(report: RunReport): Promise<RenderedChart[]> {
  return Promise.all(
    reportCharts(report).map(async (chart) => ({ chart, svg: await renderSvg(chart.spec, chart.id) })),
  );
}

export async function writeRunReport(runDir: string, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const report = buildRunReport(await readRunFiles(runDir));
  const charts = await renderCharts(report);
  const html = renderReportHtml(report, charts);
  const markdown = renderMarkdown(report, {
    limit: COMMENT_LIMIT,
    ...(options.fullReportUrl ? { fullReportUrl: options.fullReportUrl } : {}),
  });
  const htmlPath = await writeArtifact(runDir, 'report-html', html, 'report');
  const markdownPath = await writeArtifact(runDir, 'report-md', markdown, 'report');
  return { report, markdownPath, htmlPath, markdown, html, charts };
}
