/**
 * A worker thread that holds one onnxruntime session and runs it (src/serve/session-thread.ts starts it).
 * onnxruntime-node runs a session synchronously on the thread that calls it; here that thread is not the
 * HTTP loop, which keeps parsing, validating and batching requests while a batch runs.
 * Plain JavaScript so that it starts the same under tsx, vitest and Node's own type stripping.
 *
 * workerData: {model: Uint8Array, options: ort session options, inputs: [{name, type}], outputs: [name]}
 * in:  {id, rows, columns: (Float32Array | string[])[]}     out: {id, outputs: {name: data}} or {id, error}
 * in:  {release: true}                                      out: {released: true}
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';

const { model, options, inputs, outputs } = workerData;
const session = await ort.InferenceSession.create(model, options);

parentPort.on('message', async (job) => {
  if (job.release) {
    await session.release();
    parentPort.postMessage({ released: true });
    parentPort.close();
    return;
  }
  try {
    const feeds = Object.create(null); // a column may be named "__proto__"
    for (let j = 0; j < inputs.length; j++) {
      feeds[inputs[j].name] = new ort.Tensor(inputs[j].type, job.columns[j], [job.rows, 1]);
    }
    const out = await session.run(feeds);
    const data = {};
    for (const name of outputs) data[name] = out[name].data;
    parentPort.postMessage({ id: job.id, outputs: data });
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
});
parentPort.postMessage({ ready: true });
