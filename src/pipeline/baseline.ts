/**
 * The model a candidate is compared with: the version aliased `production`, else the latest registered
 * version (so a laptop's second run compares with its first). Its card carries the training profile
 * that data drift is measured against.
 */
import { type ModelCard, parseModelCard } from '../card/index.ts';
import { createRegistry, type ModelRegistry, type ModelVersion, NotFoundError } from '../registry/index.ts';
import type { DataProfile, DataSchema } from '../validate/index.ts';
import type { RunContext } from './context.ts';
import { PRODUCTION_ALIAS } from './production.ts';

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

/** The registry of a run's config, its warnings in the run's log. */
export function runRegistry(ctx: RunContext): ModelRegistry {
  return createRegistry(ctx.config.registry, ctx.env, {
    cwd: ctx.cwd,
    onWarning: (m) => ctx.log(`  warning: ${m}`),
  });
}

/** What new data is checked against: the production (else latest) model's training profile and data schema. */
export interface ProductionReference {
  readonly profile: DataProfile;
  /** The data schema that model's data was validated with (from its card). */
  readonly schema: DataSchema;
  /** e.g. "penguins v3 (production)", for messages. */
  readonly label: string;
}

/** The reference of the model new data is compared with (production, else latest); null for the first model. */
export async function productionReference(ctx: RunContext): Promise<ProductionReference | null> {
  const baseline = await findBaseline(runRegistry(ctx), ctx.config.model.name);
  if (!baseline) return null;
  if (!baseline.card) {
    ctx.log(`  note: no drift reference: ${baseline.cardProblem}`);
    return null;
  }
  const label = `${ctx.config.model.name} v${baseline.version.version} (${baseline.chosenAs})`;
  ctx.log(`  drift reference: training data of ${label}`);
  return { profile: baseline.card.training_profile, schema: baseline.card.schema, label };
}
