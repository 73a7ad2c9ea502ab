/** Alias of the serving model: what a candidate is compared with, and what register moves by compare-and-swap. */
export const PRODUCTION_ALIAS = 'production';
