import { GraphQLError } from 'graphql';

/** Codes in `extensions.code` of client-facing errors. Public contract. */
export const ApiErrorCode = Object.freeze({
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  SCAN_IN_PROGRESS: 'SCAN_IN_PROGRESS',
  INVALID_STATE: 'INVALID_STATE',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const);
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

export function apiError(
  code: ApiErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  const http =
    code === 'UNAUTHENTICATED'
      ? { status: 401 }
      : code === 'FORBIDDEN'
        ? { status: 403 }
        : undefined;
  return new GraphQLError(message, {
    extensions: { code, ...extensions, ...(http ? { http } : {}) },
  });
}

export const badInput = (field: string, message: string): GraphQLError =>
  apiError('BAD_USER_INPUT', `${field}: ${message}`, { field });

export const notFound = (what: string, id: string): GraphQLError =>
  apiError('NOT_FOUND', `${what} ${id} not found`, { id });
