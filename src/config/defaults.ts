/** Default config file, relative to the working directory (apart from load.ts, which loads zod and yaml). */
export const DEFAULT_CONFIG_PATH = 'conveyor.yml';
