/** `tune-rank`: see tune.ts. */
export { rank as run } from './tune.ts';
