import { ALL_PROCESSES, type Process, type Variable, VARIABLES } from './variables';

const INTRO = `# Configuration

<!-- Generated from src/config/variables.ts by \`npm run docs:config\`; edit the table there. -->

All configuration comes from environment variables. Every process reads and
checks all of them at start, before any connection opens, and names every bad
one in a single error (exit code 2). A variable that is unset or blank takes
its default. "Used by" names the processes that act on it: \`npm start\` runs
\`api\` and \`worker\` in one process, \`npm run api\` and \`npm run worker\` one
each, and \`migrate\` and \`rotate-secret-key\` are the one-shot commands.

\`HEARTBEAT_MS\` must also be at most half of \`LEASE_MS\`, so a lease survives
one missed renewal.

Read elsewhere: \`NODE_ENV=production\` turns introspection off by default;
\`NEW_SECRET_KEY\` is read by \`npm run rotate-secret-key\` only (see
[security.md](security.md)); the benchmark's and the tests' own variables are in
[benchmarks.md](benchmarks.md) and [testing.md](testing.md).
`;

const HEADER = ['variable', 'default', 'accepts', 'used by', 'meaning'];

function defaultText(spec: Variable<unknown>): string {
  if (spec.defaultDoc !== undefined) return spec.defaultDoc;
  const d = spec.default;
  if (typeof d === 'function' || d === null) {
    throw new Error('a computed or unset default needs defaultDoc');
  }
  return `\`${Array.isArray(d) ? d.join(',') : String(d)}\``;
}

function usedByText(usedBy: readonly Process[]): string {
  return usedBy.length === ALL_PROCESSES.length ? 'all' : usedBy.join(', ');
}

/** A Markdown table laid out as Prettier lays it out, so `check:format` passes. */
function table(rows: string[][]): string {
  const cells = rows.map((row) => row.map((c) => c.replace(/\|/g, '\\|')));
  const widths = cells[0].map((_, i) => Math.max(3, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const rule = `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

/** docs/configuration.md, as `npm run docs:config` writes it. */
export function renderConfigDoc(): string {
  const rows = Object.entries(VARIABLES).map(([name, spec]: [string, Variable<unknown>]) => [
    `\`${name}\``,
    defaultText(spec),
    spec.parser.accepts,
    usedByText(spec.usedBy),
    spec.doc,
  ]);
  return `${INTRO}\n${table([HEADER, ...rows])}\n`;
}
