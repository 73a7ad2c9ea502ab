export { CATEGORY_SMOOTHING, type FeatureBins, FLOAT32_MAX } from './bin-mapper.ts';
export { fitGbdt, type GbdtFit, trainGbdt } from './train.ts';
