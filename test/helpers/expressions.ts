/**
 * GitHub Actions expressions (`${{ … }}`) evaluated with GitHub's own implementation (@actions/expressions), for the
 * runner harness (action.yml defaults) and the workflow simulator (`with:`, `env:`, `if:`, `runs-on`).
 */
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';

/** Contexts by name (github, inputs, vars, secrets, needs, steps, env, matrix, runner, job): plain JSON values. */
export type Contexts = Record<string, unknown>;

/**
 * The status `if:` sees: `success` when everything before succeeded, `failure` when something failed, `skipped`
 * when a needed job was skipped and none failed (then neither success() nor failure() holds, as on GitHub).
 */
export type RunStatus = 'success' | 'failure' | 'skipped';

/** Job status functions as the runner defines them for `if:` (the simulator passes the job's status). */
export function statusFunctions(status: RunStatus): FunctionDefinition[] {
  const fn = (name: string, value: boolean): FunctionDefinition => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value),
  });
  return [
    fn('success', status === 'success'),
    fn('failure', status === 'failure'),
    fn('always', true),
    fn('cancelled', false),
  ];
}

/** Evaluate one expression (without `${{ }}`) to a JSON value. */
export function evaluateExpression(
  expression: string,
  contexts: Contexts,
  functions: FunctionDefinition[] = [],
): unknown {
  const lexed = new Lexer(expression).lex();
  const parsed = new Parser(lexed.tokens, Object.keys(contexts), functions).parse();
  const context = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  const result = new Evaluator(parsed, context, new Map(functions.map((f) => [f.name, f]))).evaluate();
  return JSON.parse(JSON.stringify(result, data.replacer)) as unknown;
}

/** A string with `${{ }}` parts replaced by their values, as the runner does for `with:` and `env:`. */
export function evaluateTemplate(text: string, contexts: Contexts): string {
  return text.replace(/\$\{\{(.*?)\}\}/gs, (_, expression: string) =>
    asString(evaluateExpression(expression.trim(), contexts)),
  );
}

/** An `if:` condition: with or without `${{ }}`; a condition without a status function implies success(). */
export function evaluateCondition(condition: string | undefined, contexts: Contexts, status: RunStatus): boolean {
  if (condition === undefined) return status === 'success';
  const inner = condition
    .trim()
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    .trim();
  const usesStatus = /\b(success|failure|always|cancelled)\(\)/.test(inner);
  const expression = usesStatus ? inner : `success() && (${inner})`;
  return truthy(evaluateExpression(expression, contexts, statusFunctions(status)));
}

function asString(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function truthy(value: unknown): boolean {
  return !(
    value === false ||
    value === null ||
    value === undefined ||
    value === 0 ||
    value === '' ||
    Number.isNaN(value)
  );
}
