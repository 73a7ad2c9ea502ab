/**
 * deploy/: the KServe InferenceService and the plain Deployment + Service parse, name the image continuous
 * delivery pushes for this repository's model, expose the port the serving image listens on, and probe
 * endpoints the real server answers with 200 once the model is loaded.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { imageRepository } from '../../src/delivery/index.ts';
import { type RunningServer, startServer } from '../../src/serve/index.ts';
import { buildModel, type Json, REPO } from '../serve/models.ts';

interface Probe {
  httpGet: { path: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  ports: { containerPort: number; name?: string }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
}

function manifests(): { file: string; doc: Record<string, unknown> }[] {
  const out: { file: string; doc: Record<string, unknown> }[] = [];
  for (const dir of readdirSync(join(REPO, 'deploy'), { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const name of readdirSync(join(REPO, 'deploy', dir.name)).filter((f) => f.endsWith('.yaml'))) {
      const file = `deploy/${dir.name}/${name}`;
      for (const document of parseAllDocuments(readFileSync(join(REPO, file), 'utf8'))) {
        expect(document.errors, file).toEqual([]);
        out.push({ file, doc: document.toJS() });
      }
    }
  }
  return out;
}

function containersOf(doc: Record<string, unknown>): Container[] {
  const spec = doc.spec as Json;
  if (doc.kind === 'InferenceService') return spec.predictor.containers;
  if (doc.kind === 'Deployment') return spec.template.spec.containers;
  return [];
}

/** The serving image's port, from the Dockerfile (EXPOSE and the server's --port). */
function servingPort(): number {
  const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
  const expose = Number(/^EXPOSE (\d+)$/m.exec(dockerfile)?.[1]);
  expect(dockerfile).toContain(`"--port", "${expose}"`);
  return expose;
}

const modelName = (parseYaml(readFileSync(join(REPO, 'conveyor.yml'), 'utf8')) as { model: { name: string } }).model
  .name;
let server: RunningServer;
const modelDir = join(tmpdir(), `conveyor-deploy-${process.pid}`);

beforeAll(async () => {
  await buildModel(
    { name: modelName, version: 1, target: 'species', task: 'classification', algorithm: 'linear' },
    modelDir,
  );
  server = await startServer({ source: { kind: 'dir', path: modelDir }, port: 0, logger: 'silent' });
});

afterAll(async () => {
  await server?.close();
  rmSync(modelDir, { recursive: true, force: true });
});

describe('deploy/ manifests', () => {
  const docs = manifests();

  it('hold a KServe InferenceService, a Deployment and a Service', () => {
    expect(docs.map((d) => `${d.file}:${d.doc.kind}`).sort()).toEqual([
      'deploy/kserve/inferenceservice.yaml:InferenceService',
      'deploy/kubernetes/deployment.yaml:Deployment',
      'deploy/kubernetes/deployment.yaml:Service',
    ]);
    const isvc = docs.find((d) => d.doc.kind === 'InferenceService')!.doc;
    expect(isvc.apiVersion).toBe('serving.kserve.io/v1beta1');
    // KServe finds the model server in the container of this name.
    expect(containersOf(isvc)[0]!.name).toBe('kserve-container');
  });

  it('name the image CD pushes for this model and the port the serving image listens on', () => {
    const port = servingPort();
    const expected = `${imageRepository('owner/repo', modelName)}:production`;
    for (const { file, doc } of docs) {
      for (const container of containersOf(doc)) {
        expect(container.image, file).toBe(expected);
        expect(
          container.ports.map((p) => p.containerPort),
          file,
        ).toEqual([port]);
        expect(Object.keys(container.resources.requests).sort(), file).toEqual(['cpu', 'memory']);
        expect(Object.keys(container.resources.limits).sort(), file).toEqual(['cpu', 'memory']);
      }
    }
    const deployment = docs.find((d) => d.doc.kind === 'Deployment')!.doc;
    const service = docs.find((d) => d.doc.kind === 'Service')!.doc as Json;
    const template = (deployment.spec as Json).template;
    const podLabels = template.metadata.labels;
    expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': podLabels['app.kubernetes.io/name'] });
    const portName = template.spec.containers[0].ports[0].name;
    expect(service.spec.ports[0].targetPort).toBe(portName);
  });

  it('probe health endpoints the server answers with 200', async () => {
    const port = servingPort();
    for (const { file, doc } of docs) {
      for (const container of containersOf(doc)) {
        for (const probe of [container.readinessProbe, container.livenessProbe]) {
          const { path, port: probePort } = probe.httpGet;
          const resolved =
            typeof probePort === 'number'
              ? probePort
              : container.ports.find((p) => p.name === probePort)?.containerPort;
          expect(resolved, `${file} ${path}`).toBe(port);
          const response = await fetch(`${server.url}${path}`);
          expect(response.status, `${file} ${path}`).toBe(200);
        }
        expect(container.readinessProbe.httpGet.path).toBe('/v2/health/ready');
        expect(container.livenessProbe.httpGet.path).toBe('/v2/health/live');
      }
    }
  });
});
