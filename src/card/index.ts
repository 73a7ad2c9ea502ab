export { renderCardMarkdown } from './markdown.ts';
export { CARD_VERSION, type ModelCard, modelCardSchema, parseModelCard } from './schema.ts';
