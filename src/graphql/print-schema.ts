import { lexicographicSortSchema, printSchema } from 'graphql';

import { buildAppSchema } from './schema';

/** The schema as committed in `schema.graphql`: sorted, so diffs show real changes only. */
export async function printAppSchema(): Promise<string> {
  const schema = await buildAppSchema();
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
