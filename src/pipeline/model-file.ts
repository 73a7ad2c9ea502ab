import { readFileSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { modelFromJson } from '../model/serialize.ts';
import type { Model } from '../model/types.ts';
import type { RunLayout } from '../run/layout.ts';

/** The trained model of a run (train's output). */
export function readRunModel(layout: RunLayout): Model {
  let text: string;
  try {
    text = readFileSync(layout.modelJson, 'utf8');
  } catch {
    throw new InputError(`${layout.modelJson}: not found; run "conveyor train" first`);
  }
  return modelFromJson(text, layout.modelJson);
}
