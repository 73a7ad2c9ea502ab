/**
 * The model a candidate is compared with: the version aliased `production`, else the latest registered
 * version (so a laptop's second run compares with its first). Its card carries the training profile
 * that data drift is measured against.
 */
import { type ModelCard, parseModelCard } from '../card/index.ts';
import { NotFoundError } from '../registry/index.ts';
import type { ModelRegistry, ModelVersion } from '../registry/types.ts';

/** Alias of the serving model. */
export const PRODUCTION_ALIAS = 'production';

export interface Baseline {
  readonly version: ModelVersion;
  /** Why this version: it is production, or the latest (no production alias yet). */
  readonly chosenAs: 'production' | 'latest';
  /** The full card, or null when it is not a Conveyor card this version can read. */
  readonly card: ModelCard | null;
  readonly cardProblem?: string;
}

export async function findBaseline(registry: ModelRegistry, name: string): Promise<Baseline | null> {
  let version: ModelVersion;
  let chosenAs: Baseline['chosenAs'] = 'production';
  try {
    version = await registry.resolve(name, PRODUCTION_ALIAS);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const versions = await registry.list(name);
    if (versions.length === 0) return null;
    version = versions[versions.length - 1]!;
    chosenAs = 'latest';
  }
  try {
    return { version, chosenAs, card: parseModelCard(version.card, `${name} v${version.version} card.json`) };
  } catch (error) {
    return { version, chosenAs, card: null, cardProblem: (error as Error).message };
  }
}
