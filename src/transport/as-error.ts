import { types } from 'node:util';

import { toError } from '../domain/errors';

/**
 * Like toError, but keeps errors from another realm as they are: under jest,
 * errors raised by Node core fail `instanceof Error` in the test's context,
 * and toError would flatten them into JSON and lose `code` and `level`.
 */
export function asError(e: unknown): Error {
  return types.isNativeError(e) ? e : toError(e);
}
