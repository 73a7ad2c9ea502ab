// Shared launcher of Conveyor's JavaScript actions. The runner runs `node actions/<verb>/main.mjs`; that file calls
// launch(), which loads src/actions/entry.ts through tsx's tsImport and runs the verb. There is no committed dist/:
// an edit under src/ is what the next workflow run executes, with no build step to forget.
//
// Why tsx and not Node's own type stripping: the runner's node24 could strip types, but src/ uses TypeScript syntax
// that stripping rejects (constructor parameter properties in src/errors.ts), and the tests also run these actions
// under Node 20, which cannot strip types at all. tsx is already a runtime dependency (bin/conveyor.js uses it).
//
// Which Conveyor runs: the checkout's, once `npm ci` installed it. A job running in the pipeline image
// (`container:`, docker/pipeline.Dockerfile) installs nothing: the image sets CONVEYOR_HOME to its own install, and
// this hands over to that install's launcher, so the image's code runs and the model card can name the image.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const checkout = fileURLToPath(new URL('..', import.meta.url));

/** Run one action verb (src/actions/<verb>.ts) and set the process exit code from its outcome. */
export async function launch(verb) {
  if (existsSync(new URL('../node_modules/tsx/package.json', import.meta.url))) {
    const { tsImport } = await import('tsx/esm/api');
    const { main } = await tsImport('../src/actions/entry.ts', import.meta.url);
    process.exitCode = await main(verb);
    return;
  }
  const home = process.env.CONVEYOR_HOME;
  const imageLauncher = home ? pathToFileURL(`${home.replace(/\/+$/, '')}/actions/launch.mjs`) : undefined;
  if (imageLauncher && imageLauncher.href !== import.meta.url && existsSync(imageLauncher)) {
    const image = await import(imageLauncher.href);
    await image.launch(verb);
    return;
  }
  // No toolkit yet, so write the workflow command by hand: one clear line instead of a module-not-found trace.
  process.stdout.write(
    `::error title=Conveyor action ${verb}::node_modules is missing in ${checkout}: run "npm ci" in a step before "uses: ./actions/${verb}" (or run the job in the pipeline image)\n`,
  );
  process.exitCode = 1;
}
