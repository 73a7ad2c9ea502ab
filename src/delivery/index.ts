export type { ImageLabelInput, ImageTagInput } from './image.ts';
export { CONTAINER_REGISTRY, imageLabels, imageRepository, imageTags } from './image.ts';
