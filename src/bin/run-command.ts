import { ConfigError } from '../config';

/**
 * Runs a one-shot command's `main` and sets the exit code the way every
 * command here reports: 0 on success; 2 for a configuration error (its
 * message alone, one line per bad variable); 1 for anything else, as
 * `<failure>: <message>`, or the whole stack with `stack: true`.
 */
export function runCommand(
  main: () => Promise<void>,
  options: { readonly failure: string; readonly stack?: boolean },
): void {
  main().catch((e: unknown) => {
    const err = e as Error;
    process.stderr.write(
      e instanceof ConfigError
        ? `${e.message}\n`
        : `${options.failure}: ${String((options.stack ? err.stack : err.message) ?? e)}\n`,
    );
    process.exitCode = e instanceof ConfigError ? 2 : 1;
  });
}
