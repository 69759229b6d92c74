import { type AppOptions, startApp } from './app';
import { ConfigError, loadConfig } from './config';
import { toError } from './domain/errors';
import { createLogger } from './logger';

/**
 * Shared entry: load config (exit 2 on a bad one), start, and stop in two
 * stages: the first SIGINT/SIGTERM drains, a second exits at once.
 */
export function run(roles: Pick<AppOptions, 'api' | 'worker'>): void {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.logLevel, { workerId: roles.worker ? config.worker.workerId : undefined });
  process.on('unhandledRejection', (reason) => log.error({ err: toError(reason) }, 'unhandled rejection'));

  startApp({ config, log, ...roles }).then(
    (app) => {
      let stoppingSince = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        // Ctrl-C under `npm start` delivers SIGINT twice (from the terminal and
        // relayed by npm): only a signal a second later means "exit now".
        if (stoppingSince > 0 && Date.now() - stoppingSince < 1_000) return;
        if (stoppingSince > 0) {
          log.warn({ signal }, 'second signal: exiting now');
          app.abort();
          process.exit(130);
        }
        stoppingSince = Date.now();
        log.info({ signal, graceMs: config.worker.shutdownGraceMs }, 'shutting down; send again to exit now');
        app.stop().then(
          () => process.exit(0),
          (e: unknown) => {
            log.error({ err: toError(e) }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    },
    (e: unknown) => {
      log.fatal({ err: toError(e) }, 'could not start');
      process.exitCode = 1;
    },
  );
}
