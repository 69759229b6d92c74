/**
 * A corpus of hostile GraphQL requests, replayed over HTTP and WebSocket:
 * every case gets a typed error (a known extensions.code), never a stack
 * trace or a schema hint, and the server stays up.
 */
import WebSocket from 'ws';

import { wsClient } from '../support/graphql';
import type { RunningService } from '../support/service';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

const TOKEN = ADMIN_TOKEN;
const KNOWN_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  'RATE_LIMITED',
  'INVALID_STATE',
  'SCAN_IN_PROGRESS',
]);

let stack: Stack;
let service: RunningService;

beforeAll(async () => {
  stack = await startStack({
    sshd: false,
    processes: ['api'],
    env: { INTROSPECTION: 'false', START_SCAN_BURST: '1000' },
  });
  service = stack.service;
});

afterAll(async () => {
  await stack?.stop();
});

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
}

const deep = (n: number) =>
  `{ scans { edges { node { ${'host { scans { edges { node { '.repeat(n)} id ${'} } } } '.repeat(n)} } } } }`;
const aliases = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: scans { totalCount }`).join(' ')} }`;
const INJECTIONS = [
  '; rm -rf /',
  '$(reboot)',
  '`id`',
  'a\nb',
  '../../etc/passwd',
  'host\u0000name',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  'a'.repeat(300),
  '-oProxyCommand=touch /tmp/pwned',
  '%00',
  'ホスト',
  'host name',
  '|nc -l 4444',
  '&& curl evil',
  '${IFS}cat${IFS}/etc/shadow',
  '\\x41\\x42',
  'a/b',
  '-',
  '.',
  '[::1',
  '999.999.999.999',
];

function corpus(): Case[] {
  const cases: Case[] = [];
  for (const n of [5, 10, 20, 50, 100])
    cases.push({ name: `nesting depth ${n * 4}`, query: deep(n) });
  for (const n of [21, 100, 1000]) cases.push({ name: `${n} aliases`, query: aliases(n) });
  cases.push({
    name: 'fragment cycle',
    query: `{ scans { edges { node { ...A } } } } fragment A on Scan { ...B } fragment B on Scan { ...A }`,
  });
  cases.push({
    name: 'self-referencing fragment',
    query: `{ scans { edges { node { ...A } } } } fragment A on Scan { host { lastScan { ...A } } }`,
  });
  cases.push({
    name: 'depth hidden in fragments',
    query: `{ scans { edges { node { ...F1 } } } }
      fragment F1 on Scan { host { scans { edges { node { ...F2 } } } } }
      fragment F2 on Scan { host { scans { edges { node { ...F3 } } } } }
      fragment F3 on Scan { host { scans { edges { node { ...F4 } } } } }
      fragment F4 on Scan { host { scans { edges { node { id } } } } }`,
  });
  for (const q of [
    '{ __schema { types { name } } }',
    '{ __type(name: "Scan") { fields { name } } }',
    'query { __schema { queryType { name } } }',
    '{ scans { __typename edges { node { __schema { types { name } } } } } }',
  ]) {
    cases.push({ name: `introspection: ${q.slice(0, 30)}`, query: q });
  }
  for (const q of [
    '{ scns { totalCount } }',
    '{ scans { totalCont } }',
    'mutation { startScn }',
    '{ scan(idd: "x") { id } }',
  ]) {
    cases.push({ name: `suggestion probe: ${q}`, query: q });
  }
  cases.push({ name: 'empty query', query: '' });
  cases.push({ name: 'only whitespace', query: '   \n  ' });
  cases.push({ name: 'syntax error', query: '{ scans { ' });
  cases.push({ name: 'unterminated string', query: '{ scan(id: "abc) { id } }' });
  cases.push({ name: 'unknown directive', query: '{ scans @evil { totalCount } }' });
  cases.push({
    name: 'many directives',
    query: `{ scans ${'@include(if: true) '.repeat(50)} { totalCount } }`,
  });
  cases.push({
    name: '1 MB string argument',
    query: `{ scan(id: "${'x'.repeat(1_000_000)}") { id } }`,
  });
  cases.push({
    name: '1 MB string variable',
    query: 'query($id: ID!) { scan(id: $id) { id } }',
    variables: { id: 'x'.repeat(1_000_000) },
  });
  cases.push({
    name: 'huge token count',
    query: `{ scans(first: 1) { totalCount ${' '.repeat(10)}${'__typename '.repeat(6000)} } }`,
  });
  cases.push({ name: 'first over the cap', query: '{ scans(first: 1000) { totalCount } }' });
  cases.push({ name: 'negative first', query: '{ scans(first: -1) { totalCount } }' });
  cases.push({ name: 'first beyond Int', query: '{ scans(first: 99999999999) { totalCount } }' });
  cases.push({
    name: 'forged cursor',
    query: '{ scans(after: "bm90LWEtY3Vyc29y") { totalCount } }',
  });
  cases.push({
    name: 'cursor with SQL',
    query: `{ scans(after: "${Buffer.from("scan:' or 1=1 --").toString('base64url')}") { totalCount } }`,
  });
  cases.push({
    name: 'wrong variable type',
    query: 'query($f: Int) { scans(first: $f) { totalCount } }',
    variables: { f: 'ten' },
  });
  cases.push({ name: 'undeclared variable', query: '{ scans(first: $f) { totalCount } }' });
  cases.push({
    name: 'unknown enum value',
    query: '{ scans(filter: { status: [EXPLODED] }) { totalCount } }',
  });
  cases.push({
    name: 'mutation with unknown type',
    query:
      'mutation { startScan(input: { target: { hostname: "a" }, type: NUKE }) { scan { id } } }',
  });
  cases.push({
    name: 'port 0',
    query:
      'mutation { startScan(input: { target: { hostname: "a.invalid", port: 0 }, type: QUICK }) { scan { id } } }',
  });
  cases.push({
    name: 'port 70000',
    query:
      'mutation { startScan(input: { target: { hostname: "a.invalid", port: 70000 }, type: QUICK }) { scan { id } } }',
  });
  cases.push({
    name: 'timeout 0',
    query:
      'mutation { startScan(input: { target: { hostname: "a.invalid" }, type: QUICK, timeoutSeconds: 0 }) { scan { id } } }',
  });
  cases.push({
    name: 'priority 1e6',
    query:
      'mutation { startScan(input: { target: { hostname: "a.invalid" }, type: QUICK, priority: 1000000 }) { scan { id } } }',
  });
  cases.push({
    name: 'bad credential id',
    query:
      'mutation { startScan(input: { target: { hostname: "a.invalid", credentialId: "../../x" }, type: QUICK }) { scan { id } } }',
  });
  cases.push({
    name: 'cancel a non-uuid',
    query: 'mutation { cancelScan(id: "1; drop table scans") { id } }',
  });
  cases.push({
    name: 'fingerprint garbage',
    query:
      'mutation { trustHostKey(hostname: "a.invalid", port: 22, fingerprint: "AAAA; rm") { id } }',
  });
  cases.push({
    name: 'api key with empty name',
    query: 'mutation { createApiKey(input: { name: "", role: ADMIN }) { token } }',
  });
  cases.push({
    name: 'credential with both secrets',
    query:
      'mutation { createCredential(input: { name: "c", username: "u", password: "p", privateKey: "k" }) { id } }',
  });
  cases.push({
    name: 'credential with a bogus key',
    query:
      'mutation { createCredential(input: { name: "c", username: "u", privateKey: "-----BEGIN NOTHING-----" }) { id } }',
  });
  cases.push({ name: 'subscription over HTTP', query: 'subscription { scanUpdates { seq } }' });
  cases.push({
    name: 'two operations without a name',
    query: '{ scans { totalCount } } { scans { totalCount } }',
  });
  for (const value of INJECTIONS) {
    cases.push({
      name: `hostname ${JSON.stringify(value.slice(0, 20))}`,
      query: 'mutation($i: StartScanInput!) { startScan(input: $i) { scan { id } } }',
      variables: { i: { target: { hostname: value }, type: 'QUICK' } },
    });
    // A value that is a valid POSIX user name is not hostile as a username.
    if (!/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,31}$/.test(value)) {
      cases.push({
        name: `username ${JSON.stringify(value.slice(0, 20))}`,
        query: 'mutation($i: StartScanInput!) { startScan(input: $i) { scan { id } } }',
        variables: { i: { target: { hostname: 'ok.invalid', username: value }, type: 'QUICK' } },
      });
    }
    cases.push({
      name: `filter hostname ${JSON.stringify(value.slice(0, 20))}`,
      query: 'query($h: String) { scans(filter: { hostname: $h }) { totalCount } }',
      variables: { h: value },
    });
  }
  return cases;
}

const CASES = corpus();

interface Body {
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

function expectTypedError(name: string, body: Body): void {
  const text = JSON.stringify(body);
  expect({ name, stack: /stacktrace|\bat .+\.(js|ts):\d+/.test(text) }).toEqual({
    name,
    stack: false,
  });
  expect({ name, hint: /Did you mean/.test(text) }).toEqual({ name, hint: false });
  expect({ name, errors: (body.errors?.length ?? 0) > 0 }).toEqual({ name, errors: true });
  for (const e of body.errors ?? []) {
    expect({
      name,
      code: KNOWN_CODES.has(String(e.extensions?.code)) ? 'known' : e.extensions?.code,
    }).toEqual({
      name,
      code: 'known',
    });
  }
}

it(`has at least 100 cases (${CASES.length})`, () => {
  expect(CASES.length).toBeGreaterThanOrEqual(100);
});

it('answers every case over HTTP with a typed error', async () => {
  for (const c of CASES) {
    const res = await fetch(service.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query: c.query, variables: c.variables }),
    });
    expectTypedError(c.name, (await res.json()) as Body);
  }
});

it('answers every case over WebSocket with a typed error', async () => {
  const client = wsClient(service.wsUrl, TOKEN);
  try {
    for (const c of CASES) {
      // Over the WebSocket message cap: the socket closes with 1009 (next test).
      if (JSON.stringify({ query: c.query, variables: c.variables }).length > 60_000) continue;
      // A subscription is a valid operation on the WebSocket (and never completes).
      if (c.name === 'subscription over HTTP') continue;
      const body = await new Promise<Body>((resolve) => {
        let result: Body = {};
        client.subscribe(
          { query: c.query, variables: c.variables },
          {
            next: (v) => {
              result = v as Body;
            },
            error: (e) =>
              resolve({
                errors: Array.isArray(e)
                  ? (e as Body['errors'])
                  : [
                      {
                        message: 'closed',
                        extensions: { code: `CLOSE_${(e as { code?: number }).code}` },
                      },
                    ],
              }),
            complete: () => resolve(result),
          },
        );
      });
      expectTypedError(c.name, body);
    }
  } finally {
    await client.dispose();
  }
});

it('closes a WebSocket that sends a message over the size cap (1009) and stays up', async () => {
  const client = wsClient(service.wsUrl, TOKEN);
  const closed = await new Promise<number>((resolve) => {
    client.subscribe(
      { query: `{ scan(id: "${'x'.repeat(1_000_000)}") { id } }` },
      {
        next: () => undefined,
        error: (e) => resolve((e as { code?: number }).code ?? -1),
        complete: () => resolve(0),
      },
    );
  });
  expect(closed).toBe(1009);
  await client.dispose();
});

describe('HTTP requests that never reach GraphQL', () => {
  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(service.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
      body,
    });

  it('refuses a batched array', async () => {
    const res = await post(
      JSON.stringify([
        { query: '{ scans { totalCount } }' },
        { query: '{ scans { totalCount } }' },
      ]),
    );
    expect(res.status).toBe(400);
  });

  it('refuses malformed JSON, invalid UTF-8 and oversized bodies with a typed JSON error', async () => {
    for (const body of [
      '{"query": ',
      Buffer.from([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x7d]),
      JSON.stringify({ query: 'x'.repeat(600_000) }),
    ]) {
      const res = await post(body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expectTypedError('raw body', (await res.json()) as Body);
    }
  });

  it('refuses a GET mutation without the CSRF header, and a GET mutation with it', async () => {
    const url = `${service.httpUrl}?query=${encodeURIComponent('mutation { cancelScan(id: "x") { id } }')}`;
    const noHeader = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(noHeader.status).toBe(400);
    const withHeader = await fetch(url, {
      headers: { authorization: `Bearer ${TOKEN}`, 'apollo-require-preflight': 'true' },
    });
    expect(withHeader.status).toBe(405);
  });

  it('stays up', async () => {
    expect((await fetch(`http://127.0.0.1:${service.port}/healthz`)).status).toBe(200);
    expect(service.child.exitCode).toBeNull();
  });
});

it('refuses a WebSocket upgrade from a foreign Origin', async () => {
  const code = await new Promise<number>((resolve) => {
    const ws = new WebSocket(service.wsUrl, 'graphql-transport-ws', {
      origin: 'https://evil.example',
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => resolve(101));
    ws.on('error', () => undefined);
  });
  expect(code).toBe(401);
});
