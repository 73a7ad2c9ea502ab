/** `conveyor registry <list | show | pull | promote | rollback>`: the registry from the command line. */
import { resolve } from 'node:path';
import { formatCardSummary, modelCardSchema } from '../card/index.ts';
import { type Config, loadConfig } from '../config/index.ts';
import { InputError } from '../errors.ts';
import { historyActor } from '../lib/actor.ts';
import { describeIssues } from '../lib/files.ts';
import { PRODUCTION_ALIAS } from '../pipeline/index.ts';
import { createRegistry } from '../registry/index.ts';
import type { ModelRegistry } from '../registry/types.ts';

export interface RegistryCommandInput {
  readonly configFile: string;
  readonly args: readonly string[];
  readonly backend?: 'local' | 'github';
  /** Model name; default: the config's model.name. */
  readonly model?: string;
  readonly reason?: string;
  readonly log: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

const USAGE =
  'usage: conveyor registry list | show <ref> | pull <ref> <dir> | promote <ref> <alias> | rollback [<alias>]';

export async function registryCommand(input: RegistryCommandInput): Promise<unknown> {
  const cwd = input.cwd ?? process.cwd();
  const env = input.env ?? process.env;
  const config = loadConfig(resolve(cwd, input.configFile));
  const registryConfig: Config['registry'] = {
    ...config.registry,
    ...(input.backend ? { backend: input.backend } : {}),
  };
  const registry = createRegistry(registryConfig, env, { cwd, onWarning: (m) => input.log(`warning: ${m}`) });
  const name = input.model ?? config.model.name;
  const [action, ...rest] = input.args;
  const actor = historyActor(env, cwd);
  const need = (count: number) => {
    if (rest.length !== count) throw new InputError(USAGE);
  };
  switch (action) {
    case 'list': {
      need(0);
      return list(registry, name, input.log);
    }
    case 'show': {
      need(1);
      const version = await registry.resolve(name, rest[0]!);
      const aliases = Object.entries(await registry.aliases(name))
        .filter(([, v]) => v === version.version)
        .map(([alias]) => alias);
      const image = (await registry.images(name))[version.version];
      const parsed = modelCardSchema.safeParse(version.card);
      input.log(
        parsed.success
          ? formatCardSummary(parsed.data, { aliases, location: version.location })
          : `${name} v${version.version}${aliases.length ? `  [${aliases.join(', ')}]` : ''}: not a Conveyor model card ` +
              `(${describeIssues(parsed.error.issues)}); --json prints it as stored\n  location  ${version.location}`,
      );
      // The serving image continuous delivery pushed for this version, when it did.
      if (image) input.log(`  image     ${image.reference}@${image.digest} (${image.tags.join(', ')})`);
      return {
        name,
        version: version.version,
        aliases,
        location: version.location,
        card: version.card,
        ...(image ? { image } : {}),
      };
    }
    case 'pull': {
      need(2);
      const pulled = await registry.pull(name, rest[0]!, resolve(cwd, rest[1]!));
      input.log(`pulled ${name} v${pulled.version.version} into ${resolve(cwd, rest[1]!)} (sha256 verified)`);
      return { name, version: pulled.version.version, files: pulled.files };
    }
    case 'promote': {
      need(2);
      const change = await registry.setAlias(name, rest[1]!, rest[0]!, {
        actor,
        ...(input.reason ? { reason: input.reason } : {}),
      });
      if (!change) {
        input.log(`${rest[1]} already points at ${rest[0]}: nothing to do`);
        return { name, alias: rest[1], changed: false };
      }
      input.log(`${name}: ${change.alias} ${change.from === null ? '(none)' : `v${change.from}`} → v${change.to}`);
      return { name, changed: true, change };
    }
    case 'rollback': {
      if (rest.length > 1) throw new InputError(USAGE);
      const alias = rest[0] ?? PRODUCTION_ALIAS;
      const change = await registry.rollback(name, alias, { actor, ...(input.reason ? { reason: input.reason } : {}) });
      input.log(`${name}: ${alias} rolled back v${change.from} → v${change.to}`);
      return { name, change };
    }
    default:
      throw new InputError(USAGE);
  }
}

async function list(registry: ModelRegistry, name: string, log: (line: string) => void): Promise<unknown> {
  const [versions, aliases] = await Promise.all([registry.list(name), registry.aliases(name)]);
  const byVersion = new Map<number, string[]>();
  for (const [alias, version] of Object.entries(aliases))
    byVersion.set(version, [...(byVersion.get(version) ?? []), alias]);
  if (versions.length === 0) log(`${name}: no versions registered (${registry.backend} registry)`);
  else log(`${name} (${registry.backend} registry)`);
  const rows = versions.map((v) => {
    const card = v.card as Record<string, unknown> & {
      blessing?: { primary_metric?: string };
      evaluation?: { metrics?: Record<string, number> };
    };
    const primary = card.blessing?.primary_metric;
    const value = primary ? card.evaluation?.metrics?.[primary] : undefined;
    return {
      version: v.version,
      created_at: v.card.created_at,
      aliases: byVersion.get(v.version) ?? [],
      ...(primary ? { primary_metric: primary, value } : {}),
    };
  });
  for (const row of rows) {
    const metric = row.primary_metric
      ? `  ${row.primary_metric} ${typeof row.value === 'number' ? row.value.toFixed(4) : '?'}`
      : '';
    log(`  v${row.version}  ${row.created_at}${metric}${row.aliases.length ? `  [${row.aliases.join(', ')}]` : ''}`);
  }
  return { name, backend: registry.backend, versions: rows, aliases };
}
