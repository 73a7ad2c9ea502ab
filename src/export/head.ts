/**
 * Raw scores → the graph outputs (ONNX_OUTPUTS), computed in float64 like src/model/link.ts:
 * identity → value; sigmoid → [1 - p, p]; softmax → probabilities; label = the class of the first
 * largest double probability. Only the probabilities output is narrowed to float32, after the ArgMax.
 */
import { type Link, type ModelSignature, ONNX_OUTPUTS } from '../model/types.ts';
import { attr, ELEMENT, type GraphBuilder, type ValueInfoProto, valueInfo } from './graph.ts';

/** Adds the output head for `scores` ([N, K] double) and returns the graph's output declarations. */
export function outputHead(g: GraphBuilder, signature: ModelSignature, link: Link, scores: string): ValueInfoProto[] {
  if (link === 'identity') {
    const flat = g.int64s('head/flat_shape', [1], [-1]);
    g.node('Reshape', [scores, flat], { name: 'head/value', outputs: [ONNX_OUTPUTS.value] });
    return [valueInfo(ONNX_OUTPUTS.value, ELEMENT.DOUBLE, ['N'])];
  }
  const classes = signature.classes ?? [];
  let probabilities: string;
  if (link === 'sigmoid') {
    const p = g.node('Sigmoid', [scores], { name: 'head/p' });
    const one = g.doubles('head/one', [], [1]);
    const q = g.node('Sub', [one, p], { name: 'head/one_minus_p' });
    probabilities = g.node('Concat', [q, p], { name: 'head/probabilities', attributes: [attr.int('axis', 1)] });
  } else {
    probabilities = g.node('Softmax', [scores], { name: 'head/probabilities', attributes: [attr.int('axis', -1)] });
  }
  // ArgMax keeps the first index on ties (select_last_index = 0), like applyLink.
  const best = g.node('ArgMax', [probabilities], {
    name: 'head/label_index',
    attributes: [attr.int('axis', 1), attr.int('keepdims', 0)],
  });
  const names = g.strings('head/classes', [classes.length], classes);
  g.node('Gather', [names, best], {
    name: 'head/label',
    outputs: [ONNX_OUTPUTS.label],
    attributes: [attr.int('axis', 0)],
  });
  g.node('Cast', [probabilities], {
    name: 'head/probabilities_float',
    outputs: [ONNX_OUTPUTS.probabilities],
    attributes: [attr.int('to', ELEMENT.FLOAT)],
  });
  return [
    valueInfo(ONNX_OUTPUTS.label, ELEMENT.STRING, ['N']),
    valueInfo(ONNX_OUTPUTS.probabilities, ELEMENT.FLOAT, ['N', classes.length]),
  ];
}
