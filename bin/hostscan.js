#!/usr/bin/env node
// The `hostscan` bin: loads the compiled CLI from dist, or says how to build it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const entry = path.join(root, 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error(
    `hostscan: the CLI is not built (${path.relative(root, entry)} is missing). ` +
      `Run \`npm run build\` in ${root} first.`,
  );
  process.exit(3);
}
require(entry);
