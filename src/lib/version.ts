import { readFileSync } from 'node:fs';

/** Conveyor's own version, from package.json (recorded in run metadata, model cards and ONNX files). */
export const CONVEYOR_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
