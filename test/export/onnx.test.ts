/** src/model/onnx.ts: loading Conveyor ONNX files, feeding tables, running in batches. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { exportOnnx } from '../../src/export/export.ts';
import { ELEMENT, encodeModel, GraphBuilder, valueInfo } from '../../src/export/graph.ts';
import { loadOnnxSession, readOnnxInfo, runOnnx, tableToFeeds } from '../../src/model/onnx.ts';
import { predict } from '../../src/model/predict.ts';
import { METADATA, randomGbdt, randomLinear, randomTable } from './models.ts';

const { onnx } = onnxProto;
const dir = mkdtempSync(join(tmpdir(), 'conveyor-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const model = randomGbdt('multiclass', { seed: 9, trees: 24 });
const bytes = exportOnnx(model, METADATA);

function write(name: string, content: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('loadOnnxSession', () => {
  it('loads an exported file from a path', async () => {
    const path = write('model.onnx', bytes);
    const loaded = await loadOnnxSession(path);
    expect(loaded.source).toBe(path);
    expect(loaded.info.signature).toEqual(model.signature);
    expect([...loaded.session.inputNames].sort()).toEqual(model.signature.features.map((f) => f.name).sort());
    await loaded.session.release();
  });

  it('rejects a file with flipped bytes, naming the file', async () => {
    // Flip bytes inside the digit-scale constant: the protobuf still parses and onnxruntime would run it.
    const proto = onnx.ModelProto.decode(bytes);
    const leafValues = proto.graph!.initializer!.find((t) => t.name === 'trees/digit_scales')!;
    const at = Buffer.from(bytes).indexOf(Buffer.from(leafValues.rawData!));
    expect(at).toBeGreaterThan(0);
    const corrupted = Uint8Array.from(bytes);
    for (let i = at + 16; i < at + 24; i++) corrupted[i] = corrupted[i]! ^ 0xff;
    expect(() => onnx.ModelProto.decode(corrupted)).not.toThrow();
    const path = write('corrupted.onnx', corrupted);
    await expect(loadOnnxSession(path)).rejects.toThrow(InputError);
    await expect(loadOnnxSession(path)).rejects.toThrow(
      `${path}: the content does not match its "conveyor.sha256" seal: the file is corrupted`,
    );
  });

  it('rejects a flipped byte anywhere in the file', () => {
    // One flip at a time at every 5th position of a small model, metadata, graph and seal included.
    const small = exportOnnx(randomGbdt('binary', { seed: 9, trees: 3 }), METADATA);
    let checked = 0;
    for (let at = 0; at < small.length; at += 5) {
      const corrupted = Uint8Array.from(small);
      corrupted[at] = corrupted[at]! ^ 0x5a;
      expect(() => readOnnxInfo(corrupted, 'flipped.onnx')).toThrow(/^flipped\.onnx: /);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('rejects a truncated file, naming the file', async () => {
    const path = write('truncated.onnx', bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expect(loadOnnxSession(path)).rejects.toThrow(new RegExp(`^${path}: not a readable ONNX file .*truncated`));
  });

  it('rejects a valid ONNX model that is not a Conveyor model', async () => {
    const g = new GraphBuilder();
    g.node('Identity', ['x'], { name: 'copy', outputs: ['y'] });
    const foreign = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'foreign',
        node: g.nodes,
        input: [valueInfo('x', ELEMENT.FLOAT, ['N', 1])],
        output: [valueInfo('y', ELEMENT.FLOAT, ['N', 1])],
      },
    });
    const path = write('foreign.onnx', foreign);
    await expect(loadOnnxSession(path)).rejects.toThrow(`${path}: valid ONNX but not a Conveyor model`);
  });

  it('rejects a file that does not exist and in-memory garbage', async () => {
    await expect(loadOnnxSession(join(dir, 'missing.onnx'))).rejects.toThrow(
      /missing\.onnx: cannot read the ONNX file \(ENOENT\)/,
    );
    await expect(loadOnnxSession(new TextEncoder().encode('not a model at all'), { name: 'upload' })).rejects.toThrow(
      /^upload: /,
    );
  });
});

describe('tableToFeeds', () => {
  it('feeds numbers as float32 [n,1] and categories as strings with "" for missing', () => {
    const table = randomTable(50, 2);
    const feeds = tableToFeeds(model.signature, table, 10, 20);
    const bill = feeds.bill_length_mm!;
    expect(bill.type).toBe('float32');
    expect(bill.dims).toEqual([10, 1]);
    const column = table.columns.find((c) => c.name === 'bill_length_mm')!;
    if (column.type !== 'numeric') throw new Error('fixture');
    expect(Array.from(bill.data as Float32Array)).toEqual(Array.from(column.values.subarray(10, 20), Math.fround));
    const island = table.columns.find((c) => c.name === 'island')!;
    if (island.type !== 'categorical') throw new Error('fixture');
    const expected = Array.from(island.codes.subarray(10, 20), (c) => (c < 0 ? '' : island.categories[c]));
    expect(feeds.island!.type).toBe('string');
    expect(feeds.island!.data).toEqual(expected);
    expect(expected).toContain('');
  });

  it('names a missing column or a column of the wrong type', () => {
    const table = randomTable(5, 2);
    const withoutSex = { ...table, columns: table.columns.filter((c) => c.name !== 'sex') };
    expect(() => tableToFeeds(model.signature, withoutSex)).toThrow(/input column "sex" not found/);
    const swapped = {
      ...table,
      columns: table.columns.map((c) => (c.name === 'island' ? { ...table.columns[0]!, name: 'island' } : c)),
    };
    expect(() => tableToFeeds(model.signature, swapped)).toThrow(/input column "island" must be categorical/);
  });
});

describe('runOnnx', () => {
  it('gives the same predictions in any batch size, labels as class indices', async () => {
    const table = randomTable(1000, 5);
    const { session, info } = await loadOnnxSession(bytes);
    const whole = await runOnnx(session, info.signature, table);
    const batched = await runOnnx(session, info.signature, table, { batchRows: 7 });
    expect(batched).toEqual(whole);
    const reference = predict(model, table);
    expect(Array.from(whole.labelIndex!)).toEqual(Array.from(reference.labelIndex!));
    await session.release();
  });

  it('returns float64 values for regression', async () => {
    const linear = randomLinear('regression', 3);
    const table = randomTable(40, 6);
    const { session, info } = await loadOnnxSession(exportOnnx(linear, METADATA));
    const out = await runOnnx(session, info.signature, table, { batchRows: 16 });
    expect(out.values).toBeInstanceOf(Float64Array);
    expect(out.values!.length).toBe(40);
    expect(out.probabilities).toBeUndefined();
    await session.release();
  });
});
