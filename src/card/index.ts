export { buildModelCard, CARD_ANOMALY_MESSAGES, type CardInputs, type CardTensor } from './build.ts';
export { renderCardMarkdown } from './markdown.ts';
export { CARD_VERSION, type ModelCard, modelCardSchema, parseModelCard } from './schema.ts';
export { formatCardSummary, type SummaryContext } from './summary.ts';
