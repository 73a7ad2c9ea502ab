/**
 * Objects keyed by column names (or category labels). Any text is a legal column name in CSV and Parquet,
 * `__proto__`, `constructor` and `toString` included; on a plain `{}` those names hit Object.prototype
 * (assigning `__proto__` replaces the prototype, reading an absent `toString` finds a function). A record
 * without a prototype treats every name as an ordinary key, and `ownValue` reads any record safely.
 */

/** An empty record with no prototype, optionally filled from `entries`. */
export function columnRecord<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const record = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) record[key] = value;
  return record;
}

/** `record[key]` when `key` is the record's own key, else undefined (never an inherited property). */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
