/**
 * The `hostscan` command line: commander parses it, each command runs, and
 * every outcome becomes one exit status (exit.ts) with errors printed as
 * sentences, never stacks.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { fleetCommand } from './commands/fleet';
import { cancelCommand, historyCommand, workersCommand } from './commands/queries';
import { scanCommand, watchCommand } from './commands/scan';
import type { Context } from './context';
import { CliError, ExitCode } from './exit';
import { Api } from './http';
import type { Io } from './progress';

/** Where the CLI looks for the API when neither --url nor HOSTSCAN_URL says. */
export const DEFAULT_URL = 'http://127.0.0.1:4000/graphql';
/** Seconds allowed per HTTP request and for the WebSocket handshake. */
export const DEFAULT_TIMEOUT_S = 15;

const SCAN_TYPES = ['QUICK', 'FULL', 'PATCHES'];

function scanType(value: string): string {
  const v = value.toUpperCase();
  if (!SCAN_TYPES.includes(v))
    throw new InvalidArgumentError(`the type is one of ${SCAN_TYPES.join(', ')}.`);
  return v;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('a number above 0.');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number above 0.');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('a whole number.');
  return n;
}

interface GlobalOptions {
  url: string;
  token?: string;
  timeout: number;
}

function contextOf(cmd: Command, io: Io): Context {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  let url: URL;
  try {
    url = new URL(g.url);
  } catch {
    throw new CliError(`--url "${g.url}" is not a URL (like ${DEFAULT_URL})`, ExitCode.USAGE);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`--url "${g.url}" must be http:// or https://`, ExitCode.USAGE);
  const token = g.token?.trim() || undefined;
  const options = { url: url.toString(), token, timeoutMs: Math.round(g.timeout * 1000) };
  return { api: new Api(options), ws: options, io };
}

/**
 * Runs the command line `argv` (as process.argv: node, script, args…) and
 * resolves with the exit status. Writes only to `io`; never exits the process.
 */
export async function runCli(argv: string[], io: Io): Promise<ExitCode> {
  let status: ExitCode = ExitCode.OK;
  const program = new Command('hostscan')
    .description('Start and follow hostscan scans from a terminal.')
    .addOption(
      new Option('--url <url>', 'the GraphQL endpoint').env('HOSTSCAN_URL').default(DEFAULT_URL),
    )
    .addOption(new Option('--token <token>', 'API token (bearer)').env('HOSTSCAN_TOKEN'))
    .addOption(
      new Option('--timeout <seconds>', 'deadline per request and WebSocket handshake')
        .argParser(positiveNumber)
        .default(DEFAULT_TIMEOUT_S),
    )
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(hostscan --help shows the usage)')
    .exitOverride();
  program.addHelpText(
    'after',
    `
Exit status: 0 COMPLETED (or done), 2 PARTIAL, 1 FAILED or CANCELLED (or refused),
3 usage, connection or token error. See docs/cli.md.`,
  );
  const run =
    <A extends unknown[]>(fn: (ctx: Context, ...args: A) => Promise<ExitCode>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      status = await fn(contextOf(cmd, io), ...(args.slice(0, -1) as A));
    };
  const typeOption = () =>
    new Option('-t, --type <type>', 'QUICK, FULL or PATCHES').argParser(scanType).default('QUICK');

  program
    .command('scan')
    .description('start a scan of one host; --watch follows it to its end')
    .argument('<target>', 'HOST, HOST:PORT, USER@HOST:PORT, or [IPv6]:PORT')
    .option('-u, --user <user>', 'SSH login name (the server default: root)')
    .addOption(typeOption())
    .option('-c, --credential <id>', 'stored credential to log in with')
    .addOption(new Option('--priority <n>', 'higher runs first, -100 to 100').argParser(integer))
    .option('-w, --watch', 'follow the progress, then print the results')
    .option('--json', 'print JSON (the started scan, or with --watch the finished one)')
    .action(run(scanCommand));

  program
    .command('watch')
    .description('follow a scan already started, then print its results')
    .argument('<id>', 'scan id')
    .option('--json', 'print the finished scan as JSON')
    .action(run(watchCommand));

  program
    .command('fleet')
    .description('start a scan of every target in FILE (one per line, # comments; - for stdin)')
    .argument('<file>', 'the target list')
    .option('-u, --user <user>', 'SSH login for targets that name none')
    .addOption(typeOption())
    .option('-c, --credential <id>', 'stored credential for every target')
    .option('-w, --watch', 'follow every scan, then print one line per target')
    .option('--json', 'print JSON')
    .action(run(fleetCommand));

  program
    .command('history')
    .description("a host's finished scans, newest first")
    .argument('<host>', 'host name or address (HOST:PORT keeps one port)')
    .addOption(
      new Option('-n, --limit <n>', 'how many (at most 100)').argParser(positiveInt).default(20),
    )
    .option('--json', 'print JSON')
    .action(run(historyCommand));

  program
    .command('cancel')
    .description('cancel a pending or running scan')
    .argument('<id>', 'scan id')
    .option('--json', 'print JSON')
    .action(run(cancelCommand));

  program
    .command('workers')
    .description('the worker processes: state, running scans, pools')
    .option('--json', 'print JSON')
    .action(run(workersCommand));

  try {
    await program.parseAsync(argv);
    return status;
  } catch (e) {
    if (e instanceof CommanderError)
      // Help and --version end well; anything else commander refused is usage.
      return e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    if (e instanceof CliError) {
      io.stderr.write(`hostscan: ${e.message}\n`);
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.stderr.write(`hostscan: unexpected error: ${err.stack ?? err.message}\n`);
    return ExitCode.FAILED;
  }
}
