/**
 * One job's side of the run-folder hand-over, run as its own process with the runner's environment:
 * `upload <name> <dir>` or `download <name> <dir>`. Used by run-artifact.test.ts.
 */
import { DefaultArtifactClient } from '@actions/artifact';
import { downloadRunFolder, uploadRunFolder } from '../../src/actions/run-artifact.ts';

const [verb, name, dir] = process.argv.slice(2);
const client = new DefaultArtifactClient();
if (verb === 'upload') {
  const result = await uploadRunFolder(client, name!, dir!, 1);
  console.log(JSON.stringify(result));
} else {
  await downloadRunFolder(client, name!, dir!);
}
