export { CATEGORY_SMOOTHING, type FeatureBins, FLOAT32_MAX } from './bin-mapper.ts';
export { type GbdtFit, fitGbdt, trainGbdt } from './train.ts';
