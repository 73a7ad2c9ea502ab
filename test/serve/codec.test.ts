/** src/serve/codec.ts encodeInferResponse: the infer body written directly reads as JSON.stringify of the tensors. */
import { describe, expect, it } from 'vitest';
import type { ModelSignature } from '../../src/model/types.ts';
import { decodeInferRequest, encodeInferResponse, type ModelOutputs } from '../../src/serve/codec.ts';

/** The response as JSON.stringify writes the OIP objects (the shape the encoder must match). */
function stringified(
  head: { modelName: string; modelVersion: string; id: string },
  outputs: ModelOutputs,
  names: string[],
  classes: number,
) {
  const n = outputs.rows;
  return JSON.stringify({
    model_name: head.modelName,
    model_version: head.modelVersion,
    id: head.id,
    outputs: names.map((name) =>
      name === 'label'
        ? { name, datatype: 'BYTES', shape: [n], data: outputs.label }
        : name === 'probabilities'
          ? { name, datatype: 'FP32', shape: [n, classes], data: Array.from(outputs.probabilities!) }
          : { name, datatype: 'FP64', shape: [n], data: Array.from(outputs.value!) },
    ),
  });
}

describe('encodeInferResponse', () => {
  const head = { modelName: 'penguins', modelVersion: 'v3', id: 'a1' };

  it('writes a classifier answer byte for byte as JSON.stringify, in the order asked', () => {
    const outputs: ModelOutputs = {
      rows: 2,
      label: ['Adelie', 'Gentoo'],
      probabilities: Float32Array.of(0.9, 0.05, 0.05, 1 / 3, 0, 2 / 3),
    };
    for (const names of [['label', 'probabilities'], ['probabilities', 'label'], ['probabilities'], ['label']]) {
      expect(encodeInferResponse(head, outputs, names, 3)).toBe(stringified(head, outputs, names, 3));
    }
    // float32 values read back as the same float32.
    const parsed = JSON.parse(encodeInferResponse(head, outputs, ['probabilities'], 3));
    expect(Float32Array.from(parsed.outputs[0].data)).toEqual(outputs.probabilities);
  });

  it('writes regression values at float64 precision', () => {
    const outputs: ModelOutputs = { rows: 3, value: Float64Array.of(4000.123456789012, -1e-300, 5e21) };
    const text = encodeInferResponse(head, outputs, ['value'], 0);
    expect(text).toBe(stringified(head, outputs, ['value'], 0));
    expect(JSON.parse(text).outputs[0].data).toEqual([4000.123456789012, -1e-300, 5e21]);
  });

  it('escapes names, versions, ids and labels, and writes a non-finite number as null', () => {
    const odd = { modelName: 'pen"guins\\', modelVersion: 'v\u2028', id: 'id "quoted"\n\u0000' };
    const outputs: ModelOutputs = {
      rows: 1,
      label: ['say "hi"\t</script>'],
      probabilities: Float32Array.of(Number.NaN, Number.POSITIVE_INFINITY),
    };
    const text = encodeInferResponse(odd, outputs, ['label', 'probabilities'], 2);
    expect(text).toBe(stringified(odd, outputs, ['label', 'probabilities'], 2));
    expect(JSON.parse(text)).toMatchObject({ model_name: odd.modelName, id: odd.id });
    expect(JSON.parse(text).outputs[1].data).toEqual([null, null]);
  });
});

describe('decodeInferRequest', () => {
  const signature: ModelSignature = {
    task: 'classification',
    target: 'species',
    classes: ['Adelie', 'Gentoo'],
    features: [
      { name: 'island', type: 'categorical' },
      { name: 'bill_length_mm', type: 'numeric' },
    ],
  };
  const island = { name: 'island', shape: [2, 1], datatype: 'BYTES', data: ['Biscoe', null] };
  const bill = { name: 'bill_length_mm', shape: [2], datatype: 'FP64', data: [39.1, null] };

  it("reads inputs in the model's order and in any other order alike", () => {
    const inOrder = decodeInferRequest({ inputs: [island, bill] }, signature);
    expect(decodeInferRequest({ inputs: [bill, island] }, signature)).toEqual(inOrder);
    expect(inOrder.block.rows).toBe(2);
    expect(inOrder.block.columns).toEqual([['Biscoe', ''], Float32Array.of(39.1, Number.NaN)]);
    expect(inOrder.block.sent).toEqual([
      ['Biscoe', ''],
      [39.1, null],
    ]);
  });

  it('names the input at fault, whatever the order', () => {
    const fail = (inputs: unknown[]) => () => decodeInferRequest({ inputs }, signature);
    expect(fail([island, island])).toThrow('input "island" is given twice');
    expect(fail([bill, island, island])).toThrow('input "island" is given twice');
    expect(fail([island, { ...bill, name: 'bill' }])).toThrow('unknown input "bill"');
    expect(fail([island])).toThrow('missing input "bill_length_mm"');
    expect(fail([island, 3])).toThrow('inputs[1] must be an object with a string "name"');
    expect(fail([island, { ...bill, datatype: 'BYTES' }])).toThrow(
      'input "bill_length_mm" is numeric: datatype must be one of FP32',
    );
  });
});
