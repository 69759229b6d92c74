import { type Client, type ClientOptions, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** POSTs one GraphQL operation with a bearer token. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: GraphQLResponse<T> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, body: (await res.json()) as GraphQLResponse<T> };
}

/** Like gql, but fails the test on any GraphQL error. */
export async function gqlOk<T = Record<string, unknown>>(
  url: string,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const { body } = await gql<T>(url, token, query, variables);
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

export function wsClient(url: string, token: string | null, on?: ClientOptions['on']): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
    ...(on ? { on } : {}),
  });
}

/** Collects every payload of one subscription until it completes (or errors). */
export function collect<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  timeoutMs = 30_000,
): Promise<T[]> {
  const items: T[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      dispose();
      reject(
        new Error(
          `subscription did not complete within ${timeoutMs} ms; got ${JSON.stringify(items)}`,
        ),
      );
    }, timeoutMs);
    const dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors?.length) {
            clearTimeout(timer);
            reject(new Error(`subscription errors: ${JSON.stringify(value.errors)}`));
            return;
          }
          items.push(value.data as T);
        },
        error: (e) => {
          clearTimeout(timer);
          // A CloseEvent (with its code) or GraphQL errors: hand them over as they are.
          reject(e);
        },
        complete: () => {
          clearTimeout(timer);
          resolve(items);
        },
      },
    );
  });
}
