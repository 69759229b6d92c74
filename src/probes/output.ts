import { ScanError, ScanErrorCode } from '../domain/errors';
import type { CommandOutput } from './probe';

/**
 * Helpers shared by the parsers. Probe scripts print `@@name arg` marker lines
 * to say which branch ran; the prefix cannot start an os-release key, a df
 * filesystem, a ps pid or an ip index, so a marker is never confused with data.
 */
export const MARKER = '@@';

const SNIPPET_CHARS = 160;

/** A short single-line excerpt, so messages stay readable when stored. */
export function snippet(text: string, max = SNIPPET_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function describe(probe: string, message: string, output: CommandOutput): string {
  const parts = [`${probe}: ${message}`];
  if (output.exitCode !== 0) parts.push(`exit code ${output.exitCode ?? 'none'}`);
  const err = snippet(output.stderr);
  if (err) parts.push(`stderr: ${err}`);
  return parts.join('; ');
}

export function parseError(probe: string, message: string, output: CommandOutput): ScanError {
  return new ScanError(ScanErrorCode.PARSE_ERROR, describe(probe, message, output));
}

export function unsupportedOs(probe: string, message: string, output: CommandOutput): ScanError {
  return new ScanError(ScanErrorCode.UNSUPPORTED_OS, describe(probe, message, output));
}

export function commandFailed(probe: string, message: string, output: CommandOutput): ScanError {
  return new ScanError(ScanErrorCode.COMMAND_FAILED, describe(probe, message, output));
}

/**
 * The error for output a parser could not use: a failed command with nothing
 * useful on stdout is the command's fault, anything else is unexpected output.
 */
export function unusable(probe: string, message: string, output: CommandOutput): ScanError {
  return output.exitCode !== 0
    ? commandFailed(probe, `command failed (${message})`, output)
    : parseError(probe, message, output);
}

/**
 * Non-empty lines of stdout. Throws when there are none. With `complete`, a
 * last line without its newline means the stream was cut short: every probe
 * script ends its records with one, so that output cannot be trusted whole.
 */
export function outputLines(
  probe: string,
  output: CommandOutput,
  options: { complete?: boolean } = {},
): string[] {
  const text = output.stdout.replace(/\r\n/g, '\n');
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) throw unusable(probe, 'empty output', output);
  if (options.complete && !text.endsWith('\n')) {
    throw unusable(
      probe,
      `output truncated after "${snippet(lines[lines.length - 1] ?? '', 60)}"`,
      output,
    );
  }
  return lines;
}

export interface Section {
  /** Marker name, without the `@@` prefix: `os-release`, `manager`, ... */
  name: string;
  /** Rest of the marker line, trimmed. */
  arg: string;
  lines: string[];
}

/** Groups lines under the markers that precede them; lines before any marker are dropped. */
export function sections(lines: readonly string[]): Section[] {
  const out: Section[] = [];
  for (const line of lines) {
    if (line.startsWith(MARKER)) {
      const body = line.slice(MARKER.length);
      const space = body.search(/\s/);
      out.push({
        name: space < 0 ? body : body.slice(0, space),
        arg: space < 0 ? '' : body.slice(space).trim(),
        lines: [],
      });
    } else {
      out[out.length - 1]?.lines.push(line);
    }
  }
  return out;
}

/** A kB count from the host turned into exact bytes; null when it is not one. */
export function kibToBytes(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const bytes = Number(text) * 1024;
  return Number.isSafeInteger(bytes) ? bytes : null;
}
