export { assertBlessed, type BlessInput, blessModel, COMPARISON_EPS } from './bless.ts';
export { formatBlessing } from './format.ts';
export { type Blessing, type BlessingCheck, blessingCheckSchema, blessingSchema } from './types.ts';
