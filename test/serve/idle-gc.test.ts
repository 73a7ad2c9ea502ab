import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { IDLE_COLLECT_FILL, IdleCollector, youngGenerationFill } from '../../src/serve/idle-gc.ts';
import { type RunningServer, serveOptionsFromConfig, startServer } from '../../src/serve/index.ts';
import { buildModel, metricValue, oipInputs, postJson } from './models.ts';

/**
 * Garbage until the young generation is at least `fill` full (a scavenge on the way starts it over). Below
 * 0.8: from there V8 schedules a scavenge of its own as the next task.
 */
function fillYoungGeneration(fill: number): void {
  let sink: unknown;
  while (youngGenerationFill() < fill) {
    for (let i = 0; i < 1000; i++) sink = { i, text: `garbage ${i}` };
  }
  void sink;
}

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('IdleCollector', () => {
  let collections = 0;
  let busy = false;
  const collector = new IdleCollector(
    () => busy,
    () => collections++,
  );

  /**
   * Fills the young generation and gives the collector a quiet turn, until it collects: V8 may collect first
   * (a major collection it started earlier empties the young generation too), leaving nothing to do.
   */
  async function quietTurnsUntilCollected(): Promise<void> {
    const before = collections;
    for (let attempt = 0; attempt < 5 && collections === before; attempt++) {
      fillYoungGeneration(0.6);
      // Several answers in one turn: one check.
      collector.settled();
      collector.settled();
      await endOfTurn();
    }
  }

  it('collects a young generation at least half full once nothing is in flight, once per turn', async () => {
    const before = collections;
    await quietTurnsUntilCollected();
    expect(collections).toBe(before + 1);
    // The garbage is gone; what survived is far below the threshold, so the next quiet moment does nothing.
    expect(youngGenerationFill()).toBeLessThan(IDLE_COLLECT_FILL);
    collector.settled();
    await endOfTurn();
    expect(collections).toBe(before + 1);
  });

  it('leaves the collection to V8 while a request is in flight', async () => {
    const before = collections;
    busy = true;
    await quietTurnsUntilCollected();
    expect(collections).toBe(before);
    busy = false;
    await quietTurnsUntilCollected();
    expect(collections).toBe(before + 1);
  });

  it("does not put gc() in the program's global scope", () => {
    expect(collections).toBeGreaterThan(0);
    expect('gc' in globalThis).toBe(false);
  });
});

describe('the server collects between requests', () => {
  let root: string;
  let on: RunningServer;
  let off: RunningServer;
  let body: unknown;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'conveyor-idle-gc-test-'));
    const model = await buildModel(
      { name: 'penguins', version: 1, target: 'species', task: 'classification', algorithm: 'gbdt' },
      join(root, 'penguins'),
    );
    body = { inputs: oipInputs(model.signature, model.holdout, 0, 1) };
    const source = { kind: 'dir', path: model.dir } as const;
    on = await startServer({ source, port: 0, logger: 'silent' });
    // conveyor.yml's serve.idle_gc: false turns it off.
    const { idleGc } = serveOptionsFromConfig(configSchema.shape.serve.parse({ idle_gc: false }));
    expect(idleGc).toBe(false);
    off = await startServer({ source, port: 0, logger: 'silent', idleGc });
  });

  afterAll(async () => {
    await on?.close();
    await off?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** Requests, each sent with the young generation more than half full, then the idle collections counted. */
  async function idleCollections(server: RunningServer): Promise<number> {
    const url = `${server.url}/v2/models/penguins/infer`;
    for (let i = 0; i < 5; i++) {
      fillYoungGeneration(0.6);
      expect((await postJson(url, body)).status).toBe(200);
      await endOfTurn();
    }
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return metricValue(text, 'conveyor_idle_collections_total');
  }

  it('after the last request in flight is answered (on by default)', async () => {
    expect(await idleCollections(on)).toBeGreaterThan(0);
  });

  it('not when serve.idle_gc is false', async () => {
    expect(await idleCollections(off)).toBe(0);
  });
});
