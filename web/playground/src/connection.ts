import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { type Client, createClient } from 'graphql-ws';

/** Where the API is: the page is served at the GraphQL path itself (`/graphql`). */
export function endpoints(location: Location): { http: string; ws: string } {
  const http = new URL(location.pathname, location.origin);
  const ws = new URL(http);
  ws.protocol = http.protocol === 'https:' ? 'wss:' : 'ws:';
  return { http: http.href, ws: ws.href };
}

/** An HTTP request that has not answered by then fails (ms). */
const HTTP_TIMEOUT_MS = 60_000;
/** The server must acknowledge `connection_init` within this (ms). */
const WS_ACK_TIMEOUT_MS = 10_000;
/** Ping the server when the socket was quiet this long (ms). */
const WS_KEEPALIVE_MS = 20_000;

interface Connection {
  token: string;
  fetcher: Fetcher;
  client: Client;
}
let current: Connection | undefined;

/**
 * The GraphiQL fetcher for `token`: queries and mutations over HTTP POST
 * with `Authorization: Bearer <token>`, subscriptions over one graphql-ws
 * client whose `connectionParams` are `{ authorization: 'Bearer <token>' }`.
 * The same token gives the same fetcher (GraphiQL refetches the schema when
 * the fetcher changes); a new token closes the previous WebSocket, which
 * was authenticated as someone else. An empty token sends no credentials,
 * and the API answers UNAUTHENTICATED.
 */
export function fetcherFor(token: string, location: Location): Fetcher {
  if (current?.token === token) return current.fetcher;
  void current?.client.dispose();
  const { http, ws } = endpoints(location);
  const authorization = token ? `Bearer ${token}` : undefined;
  const client = createClient({
    url: ws,
    lazy: true,
    connectionParams: authorization ? { authorization } : {},
    connectionAckWaitTimeout: WS_ACK_TIMEOUT_MS,
    keepAlive: WS_KEEPALIVE_MS,
  });
  const fetcher = createGraphiQLFetcher({
    url: http,
    headers: authorization ? { Authorization: authorization } : {},
    wsClient: client,
    // Plain JSON responses: the API does not stream results over HTTP.
    enableIncrementalDelivery: false,
    fetch: (input, init) =>
      fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(HTTP_TIMEOUT_MS) }),
  });
  current = { token, fetcher, client };
  return fetcher;
}
