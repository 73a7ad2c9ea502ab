/** Numbers and sizes as the card's Markdown and the registry summary show them. */

/** Four decimals, integers and large values as they are; '' for a missing value. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1000 || Number.isInteger(value) ? String(Math.round(value * 1e4) / 1e4) : value.toFixed(4);
}

export function formatBytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
