/** `tune-train`: see tune.ts. */
export { train as run } from './tune.ts';
