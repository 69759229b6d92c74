/**
 * The layer rule: no folder of src/ imports from a folder that imports it
 * back, and `check:lint` (ESLint's no-restricted-imports, generated from
 * LAYERS in eslint.config.mjs) refuses an import that points up.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from '../../src/util/paths';

const SRC = path.join(PROJECT_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? sourceFiles(path.join(dir, d.name))
      : d.name.endsWith('.ts')
        ? [path.join(dir, d.name)]
        : [],
  );
}

/** A module's unit in the graph: its top folder under src/, or its own name at the top. */
function unitOf(file: string): string | null {
  const rel = path.relative(SRC, file);
  if (rel.startsWith('..')) return null;
  const [first, ...rest] = rel.split(path.sep);
  return rest.length ? first! : path.basename(first!, '.ts');
}

function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(file)!;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), m[1]!);
      const to = unitOf(target.endsWith('.ts') ? target : `${target}.ts`);
      if (!to || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** Every cycle's path, found by depth-first search; empty when the graph is a DAG. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

it('finds a cycle when there is one (the check itself can fail)', () => {
  const g = new Map([
    ['a', new Set(['b'])],
    ['b', new Set(['a'])],
  ]);
  expect(cycles(g)).toEqual([['a', 'b', 'a']]);
});

it('has no folder of src/ importing from a folder that imports it back', () => {
  const graph = importGraph();
  expect(graph.get('graphql')).toContain('services');
  expect(cycles(graph)).toEqual([]);
});

describe('check:lint', () => {
  const eslint = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'eslint');
  const lint = (filename: string, text: string) =>
    spawnSync(eslint, ['--stdin', '--stdin-filename', filename], {
      cwd: PROJECT_ROOT,
      input: text,
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('refuses an import from a higher layer', () => {
    const r = lint(
      'src/db/layer-probe.ts',
      "export { buildAppSchema } from '../graphql/schema';\n",
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/no-restricted-imports/);
    expect(r.stdout).toMatch(/db is below these layers/);
  });

  it('refuses an import between two folders of one layer', () => {
    const r = lint('src/worker/layer-probe.ts', "export { EventHub } from '../events/hub';\n");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/worker is below these layers/);
  });

  it('keeps the CLI a client: it may not import the server', () => {
    const r = lint('src/cli/layer-probe.ts', "export { loadConfig } from '../config';\n");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/cli is below these layers/);
    const ok = lint('src/cli/layer-probe.ts', "export { ScanStatus } from '../domain/states';\n");
    expect(ok.stdout).toBe('');
  });

  it('accepts an import from a lower layer', () => {
    const r = lint('src/queue/layer-probe.ts', "export { PG_ERROR } from '../db/pg-errors';\n");
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('passes on the whole of src/', () => {
    expect(() =>
      execFileSync(eslint, ['src'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 120_000 }),
    ).not.toThrow();
  });
});
