export { DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from './load.ts';
export * from './schema.ts';
