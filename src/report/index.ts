export { buildRunReport, MAX_SCATTER_POINTS } from './build.ts';
export { type Chart, MAX_BARS, reportCharts } from './charts.ts';
export { compareMetrics, compareSlices, SAME_WITHIN, verdictOf } from './compare.ts';
export { binaryCurves, type ClassCurves, classifierCurves, MAX_CURVE_POINTS } from './curves.ts';
export { reportFromCard } from './from-card.ts';
export {
  attachReportToRelease,
  GitHubRequestError,
  type GitHubTarget,
  STICKY_MARKER,
  type StickyOutcome,
  upsertStickyComment,
} from './github.ts';
export { type RenderedChart, renderReportHtml } from './html.ts';
export { COMMENT_LIMIT, type MarkdownOptions, renderMarkdown, SUMMARY_LIMIT } from './markdown.ts';
export { renderSvg } from './render-svg.ts';
export { type HoldoutPredictions, type RunFiles, readRunFiles } from './run-files.ts';
export {
  buildSite,
  MONITOR_VERDICTS_SHOWN,
  type MonitorVerdict,
  readMonitorVerdicts,
  type SiteInput,
  type SiteResult,
} from './site.ts';
export type { MetricRow, Outcome, RunReport, SliceRow, StageRow, Verdict } from './types.ts';
export { renderCharts, type WriteReportOptions, type WrittenReport, writeRunReport } from './write.ts';
