/**
 * `conveyor serve`: the command-line adapter over startServer. It reads flags and conveyor.yml, starts the
 * server, and owns the process signals (the server core never touches them): SIGTERM/SIGINT stop taking
 * requests, answer those in flight, and resolve the exit code; SIGHUP reloads the model from its source.
 */

import type { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load.ts';
import { type Config, configSchema } from '../config/schema.ts';
import { describeError, exitCodeOf, InputError } from '../errors.ts';
import { serveOptionsFromConfig, startServer } from './server.ts';
import type { ModelSource, RunningServer } from './types.ts';

export const SERVE_USAGE = `Usage: conveyor serve [--model NAME [--ref REF] | --model-dir DIR] [options]

Serves a model over HTTP (Open Inference Protocol v2, as KServe and Triton): POST /v2/models/NAME/infer.

Model (one of)
  --model NAME      a registered model, pulled from the registry of conveyor.yml
  --ref REF         its version (v3, 3), alias or "latest" (default: production)
  --model-dir DIR   a folder with model.onnx (and card.json), e.g. from "conveyor registry pull"
  (neither: model.name of conveyor.yml at --ref)

Options
  --port N          TCP port (default serve.port, 8080; 0 = any free port)
  --host ADDR       interface (default serve.host, 127.0.0.1; 0.0.0.0 in a container)
  --config PATH     config file (default: ${DEFAULT_CONFIG_PATH}, optional for --model-dir)
  --log-level LEVEL fatal, error, warn, info (default), debug or silent
  -h, --help        this help

Signals: SIGTERM or SIGINT drain in-flight requests (at most serve.drain_timeout_ms, then close
         the connections left) and stop with exit 0; SIGHUP reloads the model (alias moves too).`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const;

export interface ServeCliIo {
  /** Source of SIGTERM, SIGINT and SIGHUP (default: process). */
  readonly signals?: EventEmitter;
  /** Called once the server listens (tests read its URL). */
  readonly onListening?: (server: RunningServer) => void;
  /** Human-readable lines (default: stderr). */
  readonly print?: (line: string) => void;
}

/**
 * Runs the server until SIGTERM/SIGINT and resolves with the process exit code: 0 after a clean stop, 2 for
 * bad flags or config, 1 when the model cannot be loaded or the port bound. Never calls process.exit.
 */
export async function serveCli(argv: readonly string[], io: ServeCliIo = {}): Promise<number> {
  const print = io.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const signals: EventEmitter = io.signals ?? process;
  let server: RunningServer;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        model: { type: 'string' },
        ref: { type: 'string' },
        'model-dir': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        config: { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      print(SERVE_USAGE);
      return 0;
    }
    const level = values['log-level'] as (typeof LOG_LEVELS)[number];
    if (!LOG_LEVELS.includes(level)) {
      throw new InputError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
    }
    const config = readConfig(values.config, values['model-dir'] !== undefined);
    const source = modelSource(values, config);
    const fromConfig = serveOptionsFromConfig(config.serve, config.monitor);
    server = await startServer({
      ...fromConfig,
      source,
      host: values.host ?? fromConfig.host,
      port: values.port === undefined ? fromConfig.port : parsePort(values.port),
      logger: pino({ level }),
    });
  } catch (error) {
    print(`conveyor serve: ${describeError(error)}`);
    return exitCodeOf(error);
  }
  print(`serving ${server.model.name} ${server.model.version} at ${server.url}`);
  io.onListening?.(server);
  return new Promise<number>((resolveExit) => {
    const stop = (signal: string) => {
      signals.off('SIGTERM', onTerm);
      signals.off('SIGINT', onInt);
      signals.off('SIGHUP', onHup);
      print(`${signal}: finishing requests in flight, then stopping`);
      server.close().then(
        ({ drained }) => {
          if (!drained) print(`${signal}: drain timeout (serve.drain_timeout_ms) passed; closed the connections left`);
          resolveExit(0);
        },
        (error: unknown) => {
          print(`conveyor serve: stopping failed: ${describeError(error)}`);
          resolveExit(1);
        },
      );
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const onHup = () => {
      server.reload().then(
        (model) => print(`SIGHUP: now serving ${model.name} ${model.version}`),
        (error: unknown) => print(`SIGHUP: reload failed, still serving the previous model: ${describeError(error)}`),
      );
    };
    signals.on('SIGTERM', onTerm);
    signals.on('SIGINT', onInt);
    signals.on('SIGHUP', onHup);
  });
}

/** conveyor.yml when given or present; only serve/registry defaults when serving a folder without one. */
function readConfig(
  path: string | undefined,
  optional: boolean,
): Pick<Config, 'serve' | 'registry' | 'monitor'> & {
  model?: Config['model'];
} {
  if (path !== undefined || existsSync(DEFAULT_CONFIG_PATH) || !optional) {
    return loadConfig(path ?? DEFAULT_CONFIG_PATH);
  }
  return {
    serve: configSchema.shape.serve.parse({}),
    registry: configSchema.shape.registry.parse({}),
    monitor: configSchema.shape.monitor.parse({}),
  };
}

function modelSource(
  values: { model?: string; ref?: string; 'model-dir'?: string },
  config: Pick<Config, 'registry'> & { model?: Config['model'] },
): ModelSource {
  if (values['model-dir'] !== undefined) {
    if (values.model !== undefined || values.ref !== undefined) {
      throw new InputError('give either --model-dir or --model [--ref], not both');
    }
    return { kind: 'dir', path: values['model-dir'] };
  }
  const name = values.model ?? config.model?.name;
  if (!name) throw new InputError('no model: give --model NAME or --model-dir DIR');
  return { kind: 'registry', name, ref: values.ref ?? 'production', registry: config.registry };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^[0-9]+$/.test(text) || port > 65535) throw new InputError(`--port must be 0..65535, got "${text}"`);
  return port;
}
