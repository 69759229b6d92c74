import {
  type DocumentNode,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  parse,
  validate,
  type ValidationRule,
} from 'graphql';

import { QUERY_LIMITS, withoutSuggestions } from './hardening';

/** A WebSocket operation's document, parsed and validated, or why it is refused. */
export type Prepared =
  | { ok: true; document: DocumentNode; operation: OperationDefinitionNode }
  | { ok: false; errors: readonly GraphQLError[] };

/** Parse-and-validate outcome of one query text (operationName aside). */
type Checked = { document: DocumentNode } | { errors: readonly GraphQLError[] };

/** Query texts longer than this are parsed and validated every time, never kept. */
const MAX_CACHED_QUERY_CHARS = 4_096;
/** Query texts whose outcome is kept, the oldest forgotten first. */
const MAX_CACHED_QUERIES = 200;

/**
 * Parses and validates WebSocket operations with the same limits as HTTP,
 * once per distinct query text: 10,000 dashboards sending the same
 * subscription cost one parse and one validation, not 10,000. Validation
 * depends only on the schema, the rules and the text (never on variables),
 * so a kept outcome, refusals included, is the one a fresh check would give.
 * At most {@link MAX_CACHED_QUERIES} texts of at most
 * {@link MAX_CACHED_QUERY_CHARS} characters are kept.
 */
export class DocumentCache {
  private readonly checked = new Map<string, Checked>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
  ) {}

  /**
   * The operation `operationName` picks in `query`, or the errors a client
   * is told: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, or
   * BAD_USER_INPUT when no operation can be identified.
   */
  prepare(query: string, operationName: string | null | undefined): Prepared {
    const checked = this.check(query);
    if ('errors' in checked) return { ok: false, errors: checked.errors };
    const operation = getOperationAST(checked.document, operationName);
    if (!operation) {
      return {
        ok: false,
        errors: [
          new GraphQLError('Unable to identify operation', {
            extensions: { code: 'BAD_USER_INPUT' },
          }),
        ],
      };
    }
    return { ok: true, document: checked.document, operation };
  }

  private check(query: string): Checked {
    const kept = this.checked.get(query);
    if (kept) return kept;
    const checked = this.parseAndValidate(query);
    if (query.length <= MAX_CACHED_QUERY_CHARS) {
      if (this.checked.size >= MAX_CACHED_QUERIES) {
        this.checked.delete(this.checked.keys().next().value!);
      }
      this.checked.set(query, checked);
    }
    return checked;
  }

  private parseAndValidate(query: string): Checked {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: QUERY_LIMITS.maxTokens });
    } catch (e) {
      const message = e instanceof GraphQLError ? e.message : 'cannot parse the query';
      return {
        errors: [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })],
      };
    }
    const errors = validate(this.schema, document, this.rules);
    if (errors.length > 0) {
      return {
        errors: errors.map(
          (e) =>
            new GraphQLError(withoutSuggestions(e.message), {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            }),
        ),
      };
    }
    return { document };
  }
}
