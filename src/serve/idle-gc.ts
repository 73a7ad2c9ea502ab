/**
 * Young-generation collections in the server's quiet moments instead of in the middle of a burst.
 *
 * V8 collects its young generation (a scavenge) when that space fills, wherever the program happens to
 * be: under load, usually while requests are being parsed, batched or answered, and every request in
 * flight then waits for it. On the bench's server a scavenge takes 0.5–1.3 ms, and most of that is a
 * fixed cost (roots, the per-read buffers node:http leaves behind) that does not shrink when fewer
 * objects survive, so the pause cannot be made short; it can be put where nobody waits. Once the last
 * request in flight has been answered, and no new one arrived in the same I/O turn, a young generation at
 * least half full is collected there and then, in the gap before the next burst. A saturated server has
 * no such gap and V8 collects as it always does.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc()` extension, as called here (`type: 'minor'` is one scavenge). */
type CollectGarbage = (options: { type: 'minor'; execution: 'sync' }) => void;

/** Collect when the young generation is at least this full: early enough that V8 rarely gets there first. */
export const IDLE_COLLECT_FILL = 0.5;

let collectGarbage: CollectGarbage | undefined;

/**
 * V8's `gc()`, without starting Node with --expose-gc: the flag makes V8 install `gc` in contexts created
 * after it is set, so one new context is made to fetch it. The program's own global scope gets no `gc`.
 * Fetched at the first collection, once start-up is over: V8 rejects code cached under other flags (Node's
 * compile cache, bin/strip-cache.js), and the modules loaded before it keep theirs.
 */
function garbageCollector(): CollectGarbage {
  if (!collectGarbage) {
    setFlagsFromString('--expose-gc');
    collectGarbage = runInNewContext('gc') as CollectGarbage;
  }
  return collectGarbage;
}

/** The young generation's fill, from 0 (empty) to 1 (a scavenge is due). */
export function youngGenerationFill(): number {
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space') {
      const used = space.space_used_size;
      return used / (used + space.space_available_size);
    }
  }
  return 0;
}

export class IdleCollector {
  private scheduled = false;
  private readonly busy: () => boolean;
  private readonly onCollect: (() => void) | undefined;

  /** `busy`: whether a request is in flight (being received, queued or running); `onCollect` counts. */
  constructor(busy: () => boolean, onCollect?: () => void) {
    this.busy = busy;
    this.onCollect = onCollect;
  }

  /**
   * The last request in flight is done. At the end of this I/O turn (setImmediate: after the answers are
   * written and after any request that arrived meanwhile was read), collects if nothing is in flight still.
   */
  readonly settled = (): void => {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.check);
  };

  private readonly check = (): void => {
    this.scheduled = false;
    if (this.busy() || youngGenerationFill() < IDLE_COLLECT_FILL) return;
    garbageCollector()({ type: 'minor', execution: 'sync' });
    this.onCollect?.();
  };
}
