/** `tune-plan`: see tune.ts. */
export { plan as run } from './tune.ts';
