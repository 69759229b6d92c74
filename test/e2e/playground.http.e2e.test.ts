/**
 * `/graphql` serves two audiences on the compiled service: browsers get the
 * playground page, everything else gets GraphQL exactly as before (POST, GET
 * with `?query=`, graphql-ws upgrades). curl's `Accept: *\/*` and clients
 * that send no Accept must never receive HTML, and Apollo's CDN landing page
 * is gone.
 */
import { gql, wsClient } from '../support/graphql';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

jest.setTimeout(90_000);

let stack: Stack;
let url: string;

beforeAll(async () => {
  stack = await startStack({ sshd: false, processes: ['api'] });
  url = stack.service.httpUrl;
});

afterAll(async () => {
  await stack?.stop();
});

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(path, url), { headers, signal: AbortSignal.timeout(15_000) });
}

/** What Chromium sends when the address bar opens a page. */
const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('GET /graphql content negotiation', () => {
  it('gives a browser the playground page, with every asset it names from this server', async () => {
    const res = await get('/graphql', { accept: BROWSER_ACCEPT });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('vary')).toMatch(/Accept/i);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self';/);
    const html = await res.text();
    expect(html).toContain('<base href="/graphql/">');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/apollo/i);

    const assets = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2); // the entry script and its CSS
    for (const asset of assets) {
      const a = await get(`/graphql/${asset}`);
      expect({ asset, status: a.status }).toEqual({ asset, status: 200 });
      expect(a.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(a.headers.get('content-type')).toMatch(/javascript|css/);
      await a.arrayBuffer();
    }
  });

  it.each([
    ['curl (*/*)', { accept: '*/*' }],
    ['no Accept', {}],
    ['application/json', { accept: 'application/json' }],
    ['JSON and HTML equally', { accept: 'application/json, text/html' }],
  ])('never gives HTML to %s', async (_name, headers) => {
    const res = await get('/graphql', headers);
    expect(res.headers.get('content-type') ?? '').not.toMatch(/html/);
    expect(res.headers.get('content-security-policy')).toBeNull();
    expect(await res.text()).not.toMatch(/<html|<!doctype/i);
  });

  it('answers a GET with ?query= as GraphQL even from a browser', async () => {
    const res = await get('/graphql?query=%7B__typename%7D', {
      accept: BROWSER_ACCEPT,
      authorization: `Bearer ${ADMIN_TOKEN}`,
      // Apollo's CSRF prevention wants a non-simple header on GETs.
      'apollo-require-preflight': 'true',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('still refuses that GET without a token', async () => {
    const res = await get('/graphql?query=%7B__typename%7D', {
      accept: 'application/json',
      'apollo-require-preflight': 'true',
    });
    const body = (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('serves a plain 404 for an asset that does not exist', async () => {
    const res = await get('/graphql/assets/index-00000000.js');
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('Not found\n');
  });
});

describe('POST and WebSocket on /graphql are unchanged', () => {
  it('answers a POST with JSON, an Accept of text/html notwithstanding', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: BROWSER_ACCEPT,
        authorization: `Bearer ${ADMIN_TOKEN}`,
      },
      body: JSON.stringify({ query: '{ __typename }' }),
      signal: AbortSignal.timeout(15_000),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/json/);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    const { body } = await gql(url, null, '{ __typename }');
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('runs an operation over graphql-ws', async () => {
    const client = wsClient(stack.service.wsUrl, ADMIN_TOKEN);
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        let value: unknown;
        client.subscribe(
          { query: '{ __typename }' },
          { next: (v) => (value = v), error: reject, complete: () => resolve(value) },
        );
      });
      expect(result).toEqual({ data: { __typename: 'Query' } });
    } finally {
      await client.dispose();
    }
  });
});
