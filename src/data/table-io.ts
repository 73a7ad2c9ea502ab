/**
 * Binary persistence of a Table in a run folder: `table.json` (manifest) plus one raw little-endian .bin
 * per column array (float64 values or int32 codes). Reading maps each file into a typed array without
 * parsing, and checks the manifest, every file's size and every code against the manifest.
 *
 * Layout of `dir`:
 *   table.json   {"format":"conveyor-table","version":1,"rowCount":N,"columns":[
 *                  {"name","type":"numeric"|"datetime","file":"0.f64.bin"} |
 *                  {"name","type":"categorical","file":"1.i32.bin","categories":[...]}]}
 *   <i>.f64.bin  N × 8 bytes;   <i>.i32.bin  N × 4 bytes (−1 = missing)
 * The manifest is written last, so an interrupted write leaves no readable table.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import type { Column, Table } from './types.ts';

const MANIFEST = 'table.json';
const FORMAT = 'conveyor-table';
const VERSION = 1;

const manifestSchema = z
  .object({
    format: z.literal(FORMAT),
    version: z.literal(VERSION),
    rowCount: z.int().min(0),
    columns: z.array(
      z.discriminatedUnion('type', [
        z.object({
          name: z.string(),
          type: z.enum(['numeric', 'datetime']),
          file: z.string().regex(/^\d+\.f64\.bin$/),
        }),
        z.object({
          name: z.string(),
          type: z.literal('categorical'),
          file: z.string().regex(/^\d+\.i32\.bin$/),
          categories: z.array(z.string()),
        }),
      ]),
    ),
  })
  .strict();

type Manifest = z.infer<typeof manifestSchema>;

function requireLittleEndian(): void {
  // The .bin files are the typed arrays' memory; every platform Node ships for is little-endian.
  if (endianness() !== 'LE') throw new InputError('table files are little-endian; this machine is big-endian');
}

/** Write `table` into directory `dir` (created if needed; existing table files are overwritten). */
export function writeTable(dir: string, table: Table): void {
  requireLittleEndian();
  mkdirSync(dir, { recursive: true });
  const columns = table.columns.map((column, i): Manifest['columns'][number] => {
    const data = column.type === 'categorical' ? column.codes : column.values;
    if (data.length !== table.rowCount) {
      throw new InputError(`writeTable: column "${column.name}" has ${data.length} values for ${table.rowCount} rows`);
    }
    const file = column.type === 'categorical' ? `${i}.i32.bin` : `${i}.f64.bin`;
    writeFileSync(join(dir, file), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return column.type === 'categorical'
      ? { name: column.name, type: 'categorical', file, categories: [...column.categories] }
      : { name: column.name, type: column.type, file };
  });
  const manifest: Manifest = { format: FORMAT, version: VERSION, rowCount: table.rowCount, columns };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest)}\n`);
}

/** Read a table written by `writeTable`; InputError naming the file and the problem when it is not valid. */
export function readTable(dir: string): Table {
  requireLittleEndian();
  const manifestPath = join(dir, MANIFEST);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new InputError(`${manifestPath}: cannot read table manifest: ${describe(error)}`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(
      `${manifestPath}: not a table manifest: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  const manifest = parsed.data;
  const names = new Set<string>();
  const columns = manifest.columns.map((entry): Column => {
    if (names.has(entry.name)) throw new InputError(`${manifestPath}: column "${entry.name}" appears twice`);
    names.add(entry.name);
    const path = join(dir, entry.file);
    const bytesPerValue = entry.type === 'categorical' ? 4 : 8;
    const expected = manifest.rowCount * bytesPerValue;
    const actual = fileSize(path);
    if (actual !== expected) {
      throw new InputError(
        `${path}: column "${entry.name}" should hold ${manifest.rowCount} values (${expected} bytes), the file has ${actual} bytes`,
      );
    }
    const bytes = readFileSync(path);
    // A fresh, aligned ArrayBuffer: Buffer memory may sit at any offset of a shared pool.
    const buffer = new ArrayBuffer(expected);
    new Uint8Array(buffer).set(bytes);
    if (entry.type !== 'categorical') return { type: entry.type, name: entry.name, values: new Float64Array(buffer) };
    const codes = new Int32Array(buffer);
    const limit = entry.categories.length;
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      if (code < -1 || code >= limit) {
        throw new InputError(
          `${path}: row ${i} has category code ${code}; column "${entry.name}" has ${limit} categories`,
        );
      }
    }
    return { type: 'categorical', name: entry.name, codes, categories: entry.categories };
  });
  return { rowCount: manifest.rowCount, columns };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    throw new InputError(`${path}: cannot read table column file: ${describe(error)}`, { cause: error });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
