/**
 * Pushing and retagging serving images with the docker CLI (logged in by the workflow's docker/login-action).
 * Retagging pulls the pushed digest and pushes it under the new tag, which works with any Docker and any
 * registry (no Buildx needed); the digest stays the same, so the alias tag and v<N> name one image.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ConveyorError } from '../errors.ts';

const exec = promisify(execFile);

/** A docker command failed (push refused, not logged in, image missing). */
export class ImagePushError extends ConveyorError {
  override readonly exitCode = 1;
}

async function docker(args: readonly string[], bin = 'docker'): Promise<string> {
  try {
    const { stdout } = await exec(bin, [...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = ((error as { stderr?: string }).stderr || (error as Error).message).trim();
    throw new ImagePushError(`docker ${args.join(' ')} failed: ${stderr.split('\n').slice(-3).join(' ')}`);
  }
}

/** The digest `docker push` reports (`…: digest: sha256:… size: …`). */
export function pushedDigest(output: string): string | undefined {
  return /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1];
}

export interface PushInput {
  /** A local image (e.g. the candidate the workflow built and validated). */
  readonly source: string;
  /** Repository to push to, without tag (ghcr.io/owner/repo-model). */
  readonly repository: string;
  readonly tags: readonly string[];
  readonly docker?: string;
}

/** Tags `source` as repository:tag for every tag and pushes them; returns the manifest digest (one for all). */
export async function pushImage(input: PushInput): Promise<string> {
  const digests = new Set<string>();
  for (const tag of input.tags) {
    const target = `${input.repository}:${tag}`;
    await docker(['tag', input.source, target], input.docker);
    const digest = pushedDigest(await docker(['push', target], input.docker));
    if (!digest) throw new ImagePushError(`docker push ${target} reported no digest`);
    digests.add(digest);
  }
  if (digests.size !== 1)
    throw new ImagePushError(`the tags of ${input.repository} got different digests: ${[...digests]}`);
  return [...digests][0]!;
}

/** Points repository:tag at the image repository@digest (pull, tag, push); returns the digest pushed. */
export async function retagImage(input: {
  readonly repository: string;
  readonly digest: string;
  readonly tag: string;
  readonly docker?: string;
}): Promise<string> {
  const source = `${input.repository}@${input.digest}`;
  await docker(['pull', source], input.docker);
  const target = `${input.repository}:${input.tag}`;
  await docker(['tag', source, target], input.docker);
  const digest = pushedDigest(await docker(['push', target], input.docker));
  if (digest !== input.digest) {
    throw new ImagePushError(`retagging ${source} as ${target} pushed ${digest ?? 'no digest'}, not ${input.digest}`);
  }
  return digest;
}

/** Docker's name for a Node `process.arch` (the platform a runner pulls). */
const DOCKER_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', s390x: 's390x' };

/** `name` of `name:tag` / `name@digest` (a registry port's colon is not a tag's). */
export function imageName(reference: string): string {
  const at = reference.indexOf('@');
  const withoutDigest = at >= 0 ? reference.slice(0, at) : reference;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** Loopback registries speak plain HTTP (dockerd treats them as insecure by default); the CLI must be told. */
function isLoopbackRegistry(name: string): boolean {
  const host = name.includes('/') ? name.split('/')[0]! : '';
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
}

interface ManifestDescriptor {
  readonly Descriptor?: { readonly digest?: string; readonly platform?: { os?: string; architecture?: string } };
}

/**
 * Pins an image reference to the digest its registry serves now (`name@sha256:…`), reading the manifest without
 * pulling the image (`docker manifest inspect`). A multi-platform index resolves to the manifest of this machine's
 * platform (linux/<arch>), which is what a runner of this kind pulls. A reference already pinned is returned as is.
 */
export async function resolveImage(
  reference: string,
  options: { readonly docker?: string; readonly arch?: string } = {},
): Promise<string> {
  const name = imageName(reference);
  if (/@sha256:[0-9a-f]{64}$/.test(reference)) return reference;
  const args = ['manifest', 'inspect', '--verbose', ...(isLoopbackRegistry(name) ? ['--insecure'] : []), reference];
  const output = await docker(args, options.docker);
  let parsed: ManifestDescriptor | ManifestDescriptor[];
  try {
    parsed = JSON.parse(output) as ManifestDescriptor | ManifestDescriptor[];
  } catch {
    throw new ImagePushError(`docker manifest inspect ${reference} printed no JSON: ${output.slice(0, 200)}`);
  }
  const arch = DOCKER_ARCH[options.arch ?? process.arch] ?? options.arch ?? process.arch;
  const manifests = Array.isArray(parsed) ? parsed : [parsed];
  const match = Array.isArray(parsed)
    ? manifests.find((m) => m.Descriptor?.platform?.os === 'linux' && m.Descriptor.platform.architecture === arch)
    : parsed;
  const digest = match?.Descriptor?.digest;
  if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    const platforms = manifests.map((m) => `${m.Descriptor?.platform?.os}/${m.Descriptor?.platform?.architecture}`);
    throw new ImagePushError(`${reference} has no manifest for linux/${arch} (it has: ${platforms.join(', ')})`);
  }
  return `${name}@${digest}`;
}
