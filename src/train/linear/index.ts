export { type LbfgsOptions, type LbfgsResult, minimizeLbfgs, type ObjectiveFn } from './lbfgs.ts';
export { type FittedPreprocessing, fitPreprocessing, MAX_CATEGORIES } from './preprocess.ts';
export { MIN_RIDGE, type RidgeSolution, solveRidge } from './ridge.ts';
export { trainLinear } from './train.ts';
