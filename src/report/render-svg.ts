/** Vega-Lite → Vega → SVG text, headless (no browser, no canvas): Vega's own SVG string renderer. */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Render a spec to an SVG string. `idPrefix` makes the ids Vega gives clip paths and gradients unique, so
 * several charts can be inlined in one HTML page without one chart's `url(#clip1)` resolving to another's.
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg.replace(/\bid="([^"]+)"/g, `id="${idPrefix}-$1"`).replace(/url\(#([^)]+)\)/g, `url(#${idPrefix}-$1)`);
  } finally {
    view.finalize();
  }
}
