import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/**
 * Limits every operation must pass, on HTTP and WebSocket alike (Apollo's
 * validation does not run for graphql-ws operations, so both paths use
 * these). Sized for the real queries: the deepest useful one
 * (`scans → edges → node → result → interfaces → addresses → address`) is 7.
 */
export const QUERY_LIMITS = Object.freeze({
  maxDepth: 10,
  maxAliases: 20,
  maxDirectives: 20,
  /** graphql-armor's cost: objects 2, scalars 1, times depth factor 1.5. */
  maxCost: 20_000,
  /** Lexer tokens per document: a 1,000-alias or megabyte query stops here. */
  maxTokens: 5_000,
  /** Subscriptions one WebSocket may hold at once. */
  maxSubscriptionsPerSocket: 100,
  /** WebSocket message size. */
  maxMessageBytes: 64 * 1024,
  /** HTTP body size. */
  maxBodyBytes: 256 * 1024,
});

/**
 * graphql-armor throws out of validation by default, which Apollo reports as
 * an internal error; report it as an ordinary validation error instead.
 */
const asValidationError = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) => context?.reportError(error),
  ],
};

export function validationRules(options: { introspection: boolean }): ValidationRule[] {
  const rules: ValidationRule[] = [
    maxDepthRule({ n: QUERY_LIMITS.maxDepth, flattenFragments: true, ...asValidationError }),
    maxAliasesRule({ n: QUERY_LIMITS.maxAliases, ...asValidationError }),
    maxDirectivesRule({ n: QUERY_LIMITS.maxDirectives, ...asValidationError }),
    costLimitRule({ maxCost: QUERY_LIMITS.maxCost, ...asValidationError }),
  ];
  if (!options.introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

/** "Did you mean ...?" hints map the schema for an attacker: drop them. */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean .*\?$/s, '');
}

/**
 * Browsers send Origin on WebSocket upgrades; a page on another site must not
 * ride a user's network position. Non-browser clients send none. `*` allows
 * all; otherwise the listed origins, or the request's own host.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: string[],
): boolean {
  if (!origin) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
