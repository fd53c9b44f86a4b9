#!/usr/bin/env node
// The `sightline` CLI. Parses flags, builds the config (file <- env <- flags) and starts roles.
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { ConfigError, envVarNames, loadConfig } from './config/load.js';
import { startSightline } from './server.js';
import { loadRuleFiles, RuleLoadError } from './rules/index.js';
import { VERSION } from './version.js';

function portArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

interface StartFlags {
  config?: string;
  dataDir?: string;
  host?: string;
  httpPort?: number;
  otlpGrpcPort?: number;
  otlpHttpPort?: number;
  logLevel?: string;
}

function overridesFrom(flags: StartFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (flags.dataDir !== undefined) o.dataDir = flags.dataDir;
  if (flags.host !== undefined) o.host = flags.host;
  if (flags.httpPort !== undefined) o.http = { port: flags.httpPort };
  const otlp: Record<string, unknown> = {};
  if (flags.otlpGrpcPort !== undefined) otlp.grpcPort = flags.otlpGrpcPort;
  if (flags.otlpHttpPort !== undefined) otlp.httpPort = flags.otlpHttpPort;
  if (Object.keys(otlp).length) o.otlp = otlp;
  if (flags.logLevel !== undefined) o.log = { level: flags.logLevel };
  return o;
}

function addConfigFlags(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'YAML config file (sightline.yaml); see docs/configuration.md')
    .option('--data-dir <dir>', 'directory of the embedded store (default ./data)')
    .option('--host <address>', 'address every listener binds to (default 127.0.0.1)')
    .option('--http-port <port>', 'port of the UI, query API, /metrics and health checks (default 4000)', portArg)
    .option('--otlp-grpc-port <port>', 'OTLP/gRPC receiver port (default 4317)', portArg)
    .option('--otlp-http-port <port>', 'OTLP/HTTP receiver port (default 4318)', portArg)
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent (default info)');
}

const program = new Command();
program
  .name('sightline')
  .description('Sightline: traces, metrics and logs in one process, with an embedded columnar store.')
  .version(VERSION, '-v, --version')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `\nEnvironment overrides (applied over the config file, under the flags):\n${envVarNames()
      .map((e) => `  ${e.env.padEnd(38)} ${e.path.join('.')}`)
      .join('\n')}\n\nDocs: docs/getting-started.md, docs/configuration.md, docs/api.md`,
  );

addConfigFlags(program.command('start').description('start Sightline: OTLP receivers, the embedded store, the query API and the web UI')).action(
  async (flags: StartFlags) => {
    let config;
    try {
      config = loadConfig({ file: flags.config, overrides: overridesFrom(flags) });
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`sightline: ${err.message}\n`);
        process.exit(2);
      }
      throw err;
    }
    const logger = pino({ level: config.log.level });
    let running;
    try {
      running = await startSightline({ config, logger });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      process.stderr.write(`sightline: could not start: ${e.code === 'EADDRINUSE' ? `a port is already in use (${e.message}); pick others with --http-port/--otlp-http-port/--otlp-grpc-port` : e.message}\n`);
      process.exit(1);
    }
    process.stdout.write(
      [
        `Sightline ${VERSION} is running`,
        `  UI and API      ${running.httpUrl}/`,
        `  OTLP/HTTP       ${running.otlpHttpUrl}  (/v1/traces, /v1/metrics, /v1/logs)`,
        `  OTLP/gRPC       ${running.otlpGrpcAddress}`,
        `  Prometheus API  ${running.httpUrl}/api/v1  (remote_write: POST /api/v1/write)`,
        `  Own metrics     ${running.httpUrl}/metrics`,
        `  Data directory  ${config.dataDir}`,
        '',
      ].join('\n'),
    );
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: flushing queued writes');
      running
        .close()
        .then(() => process.exit(0))
        .catch((err: Error) => {
          logger.error({ err: err.message }, 'shutdown failed');
          process.exit(1);
        });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  },
);

addConfigFlags(program.command('check-config').description('validate the configuration (file, env and flags) and print the effective values')).action(
  (flags: StartFlags) => {
    try {
      const config = loadConfig({ file: flags.config, overrides: overridesFrom(flags) });
      // Rule files are part of the configuration: validate them like `promtool check rules`.
      loadRuleFiles(config.rule_files);
      process.stdout.write(JSON.stringify(config, null, 2) + '\n');
    } catch (err) {
      if (err instanceof ConfigError || err instanceof RuleLoadError) {
        process.stderr.write(`sightline: ${err.message}\n`);
        process.exit(2);
      }
      throw err;
    }
  },
);

await program.parseAsync(process.argv);
