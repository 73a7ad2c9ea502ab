/** The stages of a run, in the order the pipeline runs them. */
export const stageNames = [
  'validate-data',
  'prepare',
  'train',
  'evaluate',
  'export',
  'validate-model',
  'register',
] as const;
export type StageName = (typeof stageNames)[number];

export function isStageName(name: string): name is StageName {
  return (stageNames as readonly string[]).includes(name);
}
