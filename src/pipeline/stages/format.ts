/** Indent a multi-line block under a stage heading (empty lines stay empty). */
export function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}
