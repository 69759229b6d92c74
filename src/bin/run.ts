import { type App, type AppOptions, startApp } from '../app';
import { type Config, ConfigError, loadConfig } from '../config';
import { toError } from '../domain/errors';
import { createLogger } from '../logger';

/**
 * Shared entry: load config (exit 2 on a bad one), start, and stop in two
 * stages: the first SIGINT/SIGTERM drains, a second exits at once. Signal
 * handlers go in before anything starts, so a signal during start-up still
 * stops the embedded database instead of killing the process outright.
 */
export function run(roles: Pick<AppOptions, 'api' | 'worker'>): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.logLevel, {
    workerId: roles.worker ? config.worker.workerId : undefined,
  });
  process.on('unhandledRejection', (reason) =>
    log.error({ err: toError(reason) }, 'unhandled rejection'),
  );

  let app: App | null = null;
  let stoppingSince = 0;

  const stop = () => {
    if (!app) return; // start-up finishes first, then sees stoppingSince
    app.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: toError(e) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };

  const onSignal = (signal: NodeJS.Signals) => {
    // Ctrl-C under `npm start` delivers SIGINT twice (from the terminal and
    // relayed by npm): only a signal a second later means "exit now".
    if (stoppingSince > 0 && Date.now() - stoppingSince < 1_000) return;
    if (stoppingSince > 0) {
      log.warn({ signal }, 'second signal: exiting now');
      app?.abort();
      process.exit(130);
    }
    stoppingSince = Date.now();
    log.info(
      { signal, graceMs: config.worker.shutdownGraceMs },
      'shutting down; send again to exit now',
    );
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  startApp({ config, log, ...roles }).then(
    (started) => {
      app = started;
      if (stoppingSince > 0) stop();
    },
    (e: unknown) => {
      log.fatal({ err: toError(e) }, 'could not start');
      process.exit(1);
    },
  );
}
