export {
  ImagePushError,
  imageName,
  type PushInput,
  pushedDigest,
  pushImage,
  resolveImage,
  retagImage,
} from './docker.ts';
export type { ImageLabelInput, ImageTagInput } from './image.ts';
export { CONTAINER_REGISTRY, imageLabels, imageRepository, imageTags } from './image.ts';
export {
  type CandidateResult,
  candidateOverrides,
  MAX_TUNE_CANDIDATES,
  parseCandidates,
  type RankedCandidate,
  rankCandidates,
  rankingTable,
  type TuneCandidate,
} from './tune.ts';
