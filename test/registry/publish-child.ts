/**
 * Child process for the local registry tests: publishes one version into a registry folder.
 * argv: <root> <name> <runKey> <mode>; mode `publish` prints the result as JSON, mode `crash` kills the
 * process with SIGKILL in the middle of writing the version (after model.onnx and card.md, before card.json).
 */
import { LocalRegistry } from '../../src/registry/local.ts';
import { recordingBuild } from './versions.ts';

const [root, name, runKey, mode] = process.argv.slice(2);
const registry = new LocalRegistry({ root });
const { build } = recordingBuild(name, runKey);
const result = await registry.publish(name, build, {
  runKey,
  onProgress: (event) => {
    if (mode === 'crash' && event.step === 'write' && event.asset === 'card.json') process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write(`${JSON.stringify({ version: result.version.version, created: result.created })}\n`);
