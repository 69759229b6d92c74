/**
 * graphql-codegen's client preset over the committed schema.graphql: it reads
 * the operations written with graphql() in src/ and writes typed documents to
 * src/gql/ (git-ignored; `npm run example:sdk` makes it again). Paths are
 * from the repository root, where the npm script runs.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['examples/sdk/src/**/*.ts', '!examples/sdk/src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'examples/sdk/src/gql/': {
      preset: 'client',
      config: {
        // Plain strings with their types attached: fetch and graphql-ws take
        // them as they are, with no graphql-js printing at run time.
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: {
          DateTimeISO: 'string',
          SafeInt: 'number',
        },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
