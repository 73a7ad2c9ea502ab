/** Append-only Int32Array that doubles its capacity: row data of unknown length without per-row objects. */
export class GrowableInt32 {
  private data: Int32Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Int32Array(Math.max(16, initialCapacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  /** The values as an exactly sized array (a copy; the builder should not be used afterwards). */
  finish(): Int32Array {
    return this.data.length === this.length ? this.data : this.data.slice(0, this.length);
  }
}
