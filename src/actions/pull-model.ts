/**
 * `pull-model`: the first step of continuous delivery. Pulls a model version (sha256 checked against its card)
 * into a folder of the checkout, and works out what the image build needs: build arguments, the image
 * repository (`<image-registry>/<owner>/<repo>-<model>`), its tags and OCI labels.
 */

import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { imageLabels, imageRepository, imageTags } from '../delivery/index.ts';
import { InputError } from '../errors.ts';
import { sha256Hex } from '../lib/files.ts';
import { deliveryRegistry } from './delivery-registry.ts';
import type { ActionDeps } from './deps.ts';

export async function run(deps: ActionDeps): Promise<void> {
  const { inputs, env } = deps;
  const ref = inputs.required('ref');
  const dir = resolve(deps.workspace, inputs.required('dir'));
  const imageRegistry = inputs.required('image-registry');
  const repository = env.GITHUB_REPOSITORY;
  if (!repository) throw new InputError('GITHUB_REPOSITORY is not set: pull-model runs in a workflow');
  const contextDir = relative(deps.workspace, dir);
  if (contextDir.startsWith('..')) throw new InputError(`input "dir" must be inside the checkout (the build context)`);

  const { registry, name } = deliveryRegistry(deps);
  const pulled = await deps.group(`Pull ${name} ${ref}`, () => registry.pull(name, ref, dir));
  const version = pulled.version.version;
  const sha256 = sha256Hex(readFileSync(pulled.files.model));
  const image = imageRepository(repository, name, imageRegistry);
  const commit = env.GITHUB_SHA;
  const tags = imageTags({ version, aliases: [], ...(commit ? { commit } : {}) });
  const labels = imageLabels({
    source: `${env.GITHUB_SERVER_URL || 'https://github.com'}/${repository}`,
    revision: commit ?? '',
    model: name,
    version,
    sha256,
  });

  deps.setOutput('model-name', name);
  deps.setOutput('version', version);
  deps.setOutput('sha256', sha256);
  deps.setOutput('model-dir', contextDir);
  deps.setOutput('golden', pulled.files.golden ? relative(deps.workspace, pulled.files.golden) : '');
  deps.setOutput('image', image);
  deps.setOutput('tags', tags.join('\n'));
  deps.setOutput(
    'labels',
    Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  deps.setOutput(
    'build-args',
    [`MODEL_DIR=${contextDir}`, `MODEL_NAME=${name}`, `MODEL_VERSION=v${version}`, `MODEL_SHA256=${sha256}`].join('\n'),
  );
  deps.log(`pulled ${name} v${version} into ${contextDir} (sha256 ${sha256.slice(0, 16)}… verified)`);
  await deps.summary(
    [
      `### Model ${name} v${version}`,
      '',
      `Pulled \`${ref}\` from the ${registry.backend} registry into \`${contextDir}\`: model.onnx sha256 \`${sha256}\`` +
        ` (checked against the card)${pulled.files.golden ? ', with its golden requests' : ', **without golden requests**'}.`,
      '',
      `Image: \`${image}\`, tags ${tags.map((t) => `\`${t}\``).join(', ')}.`,
      '',
    ].join('\n'),
  );
}
