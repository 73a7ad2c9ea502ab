/**
 * Names and labels of the images continuous delivery pushes: one repository per model in GitHub Container
 * Registry, `ghcr.io/<owner>/<repo>-<model>`, tagged with the version (`v3`), the alias (`staging`,
 * `production`) and the commit, labelled with the OCI annotations GitHub and scanners read.
 */
import { InputError } from '../errors.ts';

export const CONTAINER_REGISTRY = 'ghcr.io';

/** `ghcr.io/<owner>/<repo>-<model>`, lower case (image names must be). `repository` is `owner/repo`. */
export function imageRepository(repository: string, model: string, registry = CONTAINER_REGISTRY): string {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new InputError(`repository must be "owner/name" (as GITHUB_REPOSITORY), got "${repository}"`);
  }
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(model)) {
    throw new InputError(`model name "${model}" cannot be part of an image name (letters, digits, . _ -)`);
  }
  return `${registry}/${repository}-${model}`.toLowerCase();
}

export interface ImageTagInput {
  readonly version: number;
  /** Aliases the image carries (e.g. staging); each must be a valid tag. */
  readonly aliases: readonly string[];
  /** Full commit sha; the tag is its first 12 characters. */
  readonly commit?: string;
}

const TAG = /^[\w][\w.-]{0,127}$/;

/** Tags for one model version's image: v<N>, each alias, and the short commit. */
export function imageTags(input: ImageTagInput): string[] {
  const tags = [`v${input.version}`, ...input.aliases];
  if (input.commit) tags.push(input.commit.slice(0, 12));
  for (const tag of tags) {
    if (!TAG.test(tag)) throw new InputError(`"${tag}" is not a valid image tag (letters, digits, . _ -; ≤ 128)`);
  }
  return [...new Set(tags)];
}

export interface ImageLabelInput {
  /** https://github.com/owner/repo */
  readonly source: string;
  readonly revision: string;
  readonly model: string;
  readonly version: number;
  readonly sha256: string;
}

/** OCI annotations and Conveyor's model labels (the Dockerfile sets the model labels too; these agree). */
export function imageLabels(input: ImageLabelInput): Record<string, string> {
  return {
    'org.opencontainers.image.source': input.source,
    'org.opencontainers.image.revision': input.revision,
    'org.opencontainers.image.title': `conveyor-${input.model}`,
    'org.opencontainers.image.version': `v${input.version}`,
    'conveyor.model.name': input.model,
    'conveyor.model.version': `v${input.version}`,
    'conveyor.model.sha256': input.sha256,
  };
}
