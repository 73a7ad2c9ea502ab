import { describe, expect, it } from 'vitest';
import { type BatchEvent, Batcher } from '../../src/serve/batcher.ts';

/** A request of `rows` rows whose result is its rows doubled; `poison` makes any batch holding it throw. */
interface Item {
  readonly id: number;
  readonly rows: number;
  readonly poison?: boolean;
}

const rowsOf = (item: Item) => item.rows;

function recorder() {
  const batches: number[][] = [];
  const events: BatchEvent[] = [];
  const execute = async (items: Item[]) => {
    batches.push(items.map((i) => i.id));
    if (items.some((i) => i.poison)) throw new Error(`poisoned batch of ${items.length}`);
    return items.map((i) => `result ${i.id}`);
  };
  return { batches, events, execute, onBatch: (event: BatchEvent) => events.push(event) };
}

describe('Batcher', () => {
  it('runs requests that arrive together as one batch and gives each caller its own result', async () => {
    const r = recorder();
    const batcher = new Batcher<Item, string>(
      { maxBatchSize: 100, maxQueueDelayMs: 5 },
      { execute: r.execute, rowsOf, onBatch: r.onBatch },
    );
    const results = await Promise.all([1, 2, 3, 4].map((id) => batcher.submit({ id, rows: 2 })));
    expect(results).toEqual(['result 1', 'result 2', 'result 3', 'result 4']);
    expect(r.batches).toEqual([[1, 2, 3, 4]]);
    expect(r.events).toMatchObject([{ items: 4, rows: 8 }]);
    expect(r.events[0]!.queueSeconds).toHaveLength(4);
  });

  it('caps batches at maxBatchSize rows, in arrival order, and runs an oversized request alone', async () => {
    const r = recorder();
    const batcher = new Batcher<Item, string>({ maxBatchSize: 4, maxQueueDelayMs: 5 }, { execute: r.execute, rowsOf });
    const items: Item[] = [
      { id: 1, rows: 1 },
      { id: 2, rows: 2 },
      { id: 3, rows: 2 },
      { id: 4, rows: 9 },
      { id: 5, rows: 1 },
    ];
    const results = await Promise.all(items.map((item) => batcher.submit(item)));
    expect(results).toEqual(items.map((i) => `result ${i.id}`));
    expect(r.batches).toEqual([[1, 2], [3], [4], [5]]);
  });

  it('does not batch when maxQueueDelayMs is 0', async () => {
    const r = recorder();
    const batcher = new Batcher<Item, string>({ maxBatchSize: 64, maxQueueDelayMs: 0 }, { execute: r.execute, rowsOf });
    await Promise.all([1, 2, 3].map((id) => batcher.submit({ id, rows: 1 })));
    expect(r.batches).toEqual([[1], [2], [3]]);
  });

  it('isolates a failing request: only its caller gets the error', async () => {
    const r = recorder();
    const batcher = new Batcher<Item, string>({ maxBatchSize: 64, maxQueueDelayMs: 5 }, { execute: r.execute, rowsOf });
    const outcomes = await Promise.allSettled([
      batcher.submit({ id: 1, rows: 1 }),
      batcher.submit({ id: 2, rows: 1, poison: true }),
      batcher.submit({ id: 3, rows: 1 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('poisoned batch of 1');
    expect(r.batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('forms the next batch from requests that queue while one runs, and drains', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const batcher = new Batcher<Item, number>(
      { maxBatchSize: 64, maxQueueDelayMs: 1 },
      {
        execute: async (items) => {
          batches.push(items.map((i) => i.id));
          if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
          return items.map((i) => i.id);
        },
        rowsOf,
      },
    );
    const first = batcher.submit({ id: 1, rows: 1 });
    while (batches.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const queued = [2, 3, 4].map((id) => batcher.submit({ id, rows: 1 }));
    expect(batcher.pending).toBe(4);
    const drained = batcher.drain();
    release();
    expect(await Promise.all([first, ...queued])).toEqual([1, 2, 3, 4]);
    await drained;
    expect(batcher.pending).toBe(0);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('says when it is idle: once the last queued or running request is done, batching on or off', async () => {
    for (const maxQueueDelayMs of [1, 0]) {
      let idle = 0;
      let pendingWhenIdle = -1;
      const r = recorder();
      const batcher: Batcher<Item, string> = new Batcher<Item, string>(
        { maxBatchSize: 2, maxQueueDelayMs },
        {
          execute: r.execute,
          rowsOf,
          onIdle: () => {
            idle++;
            pendingWhenIdle = batcher.pending;
          },
        },
      );
      // Three requests: two batches when batching, three runs when not; idle once, after the last.
      await Promise.all([1, 2, 3].map((id) => batcher.submit({ id, rows: 1 })));
      await new Promise((resolve) => setImmediate(resolve));
      expect(idle).toBe(1);
      expect(pendingWhenIdle).toBe(0);
    }
  });

  it('does not wait for requests that are not arriving, and waits for those that are', async () => {
    const r = recorder();
    let arriving = 0;
    // A delay no test would survive: only the arrival rule can dispatch these batches.
    const batcher = new Batcher<Item, string>(
      { maxBatchSize: 64, maxQueueDelayMs: 3_600_000 },
      { execute: r.execute, rowsOf, arriving: () => arriving },
    );
    // Nobody else in transit: the requests of this turn run together at its end.
    await Promise.all([1, 2, 3].map((id) => batcher.submit({ id, rows: 1 })));
    expect(r.batches).toEqual([[1, 2, 3]]);

    // One request in transit: the first waits for it; once it has arrived, both run.
    arriving = 1;
    const first = batcher.submit({ id: 4, rows: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(r.batches).toHaveLength(1);
    arriving = 0;
    await Promise.all([first, batcher.submit({ id: 5, rows: 1 })]);
    expect(r.batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('waits while each I/O turn brings more requests (a burst read over several turns), up to maxBatchSize', async () => {
    const r = recorder();
    const batcher = new Batcher<Item, string>(
      { maxBatchSize: 4, maxQueueDelayMs: 3_600_000 },
      { execute: r.execute, rowsOf, arriving: () => 0 },
    );
    // One request per turn, as a burst trickles out of the sockets: each turn's arrival comes before the
    // batcher's end-of-turn check (as socket reads come before setImmediate), and they join one batch until it
    // is full.
    const pending: Promise<string>[] = [];
    const arriveNextTurn = (id: number) =>
      setImmediate(() => {
        if (id < 6) arriveNextTurn(id + 1);
        pending.push(batcher.submit({ id, rows: 1 }));
      });
    arriveNextTurn(2);
    pending.push(batcher.submit({ id: 1, rows: 1 }));
    while (pending.length < 6) await new Promise((resolve) => setImmediate(resolve));
    // A turn without a new request ends the wait.
    await Promise.all(pending);
    expect(r.batches).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
  });

  it('rejects nonsensical options', () => {
    const r = recorder();
    expect(
      () => new Batcher<Item, string>({ maxBatchSize: 0, maxQueueDelayMs: 1 }, { execute: r.execute, rowsOf }),
    ).toThrow(/maxBatchSize/);
    expect(
      () => new Batcher<Item, string>({ maxBatchSize: 1, maxQueueDelayMs: -1 }, { execute: r.execute, rowsOf }),
    ).toThrow(/maxQueueDelayMs/);
  });
});
