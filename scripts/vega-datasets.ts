/** Path of a file shipped in the vega-datasets npm package (a devDependency; its exports hide data/). */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function vegaDataPath(file: string): string {
  const entry = createRequire(import.meta.url).resolve('vega-datasets');
  return join(dirname(entry), '..', 'data', file);
}
