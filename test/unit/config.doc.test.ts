import { readFileSync } from 'node:fs';
import path from 'node:path';

import { renderConfigDoc } from '../../src/config/doc';
import { VARIABLES } from '../../src/config/variables';
import { PROJECT_ROOT } from '../../src/util/paths';

it('matches the committed docs/configuration.md (run `npm run docs:config` after changing variables)', () => {
  const committed = readFileSync(path.join(PROJECT_ROOT, 'docs', 'configuration.md'), 'utf8');
  expect(renderConfigDoc()).toBe(committed);
});

it('documents every variable once', () => {
  const doc = renderConfigDoc();
  for (const name of Object.keys(VARIABLES)) {
    expect(doc.split(`| \`${name}\` `)).toHaveLength(2);
  }
});
