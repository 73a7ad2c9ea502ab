export { exportOnnx, ONNX_IR_VERSION, ONNX_ML_OPSET, ONNX_OPSET } from './export.ts';
export { assertParity, checkParity, PARITY_ROWS_SHOWN, type ParityInput } from './parity.ts';
export type { MismatchedRow, OnnxMetadata, ParityReport } from './types.ts';
