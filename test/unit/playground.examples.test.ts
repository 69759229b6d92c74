import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { buildSchema, type OperationDefinitionNode, parse, validate } from 'graphql';

import { PROJECT_ROOT } from '../../src/util/paths';

/** The playground's preloaded operations (web/playground/src/examples) must stay valid. */
const DIR = path.join(PROJECT_ROOT, 'web/playground/src/examples');
const read = (file: string) => readFileSync(path.join(DIR, file), 'utf8');

describe('playground example operations', () => {
  const schema = buildSchema(read('../../../../schema.graphql'));
  const operations = readdirSync(DIR).filter((f) => f.endsWith('.graphql'));

  it.each(operations)('%s validates against schema.graphql', (file) => {
    const document = parse(read(file));
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
    const operation = document.definitions[0] as OperationDefinitionNode;
    expect(operation.name?.value).toBe(path.basename(file, '.graphql'));
    // Its variables file, where it has one, gives every required variable.
    const variablesFile = file.replace(/\.graphql$/, '.variables.json');
    if (!existsSync(path.join(DIR, variablesFile))) return;
    const variables = JSON.parse(read(variablesFile)) as Record<string, unknown>;
    for (const v of operation.variableDefinitions ?? []) {
      if (v.type.kind === 'NonNullType' && !v.defaultValue) {
        expect(Object.keys(variables)).toContain(v.variable.name.value);
      }
    }
  });

  it('starts a scan, then follows it with scanProgress', () => {
    expect(operations).toEqual(expect.arrayContaining(['StartScan.graphql', 'FollowScan.graphql']));
    expect(read('StartScan.graphql')).toMatch(/mutation StartScan[\s\S]*startScan\(/);
    expect(read('FollowScan.graphql')).toMatch(/subscription FollowScan[\s\S]*scanProgress\(/);
  });
});
