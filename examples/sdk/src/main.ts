/**
 * A typed client of hostscan: starts a scan of HOSTSCAN_TARGET (host:port)
 * as HOSTSCAN_USER, follows it over a typed scanProgress subscription
 * (graphql-ws), prints its progress and results, and exits 0 only when the
 * scan ends COMPLETED (1 otherwise, 3 for bad settings or a failed request).
 *
 *   HOSTSCAN_URL     GraphQL endpoint (default http://127.0.0.1:4000/graphql)
 *   HOSTSCAN_TOKEN   API token, OPERATOR or ADMIN (required)
 *   HOSTSCAN_TARGET  host, host:port or [ipv6]:port (required)
 *   HOSTSCAN_USER    SSH login (default: the server's, root)
 *   HOSTSCAN_TYPE    QUICK, FULL or PATCHES (default QUICK)
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { graphql } from './gql';
import type {
  ScanType,
  SdkFollowScanSubscription,
  SdkFollowScanSubscriptionVariables,
  TypedDocumentString,
} from './gql/graphql';

const StartScan = graphql(`
  mutation SdkStartScan($input: StartScanInput!) {
    startScan(input: $input) {
      scan {
        id
        status
        host {
          hostname
          port
        }
      }
    }
  }
`);

const FollowScan = graphql(`
  subscription SdkFollowScan($id: ID!, $afterSeq: Int) {
    scanProgress(id: $id, afterSeq: $afterSeq) {
      seq
      status
      progress
      step
      message
    }
  }
`);

const ScanResults = graphql(`
  query SdkScanResults($id: ID!) {
    scan(id: $id) {
      status
      durationMs
      error {
        code
        message
      }
      steps {
        name
        status
        error {
          code
          message
        }
      }
      result {
        os {
          prettyName
          kernel
        }
        hostname
        memory {
          totalBytes
          availableBytes
        }
        disks {
          mount
          usePercent
        }
      }
    }
  }
`);

/** Deadline per HTTP request and for the WebSocket handshake, in ms. */
const REQUEST_TIMEOUT_MS = 15_000;
/** How long to follow the scan before giving up, in ms. */
const FOLLOW_TIMEOUT_MS = 10 * 60_000;

function settings() {
  const url = process.env.HOSTSCAN_URL || 'http://127.0.0.1:4000/graphql';
  const token = process.env.HOSTSCAN_TOKEN;
  const targetText = process.env.HOSTSCAN_TARGET;
  if (!token) throw new Error('HOSTSCAN_TOKEN is not set');
  if (!targetText) throw new Error('HOSTSCAN_TARGET is not set (host:port)');
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(targetText);
  if (!m) throw new Error(`HOSTSCAN_TARGET "${targetText}" is not host[:port]`);
  const type = (process.env.HOSTSCAN_TYPE || 'QUICK').toUpperCase() as ScanType;
  if (!['QUICK', 'FULL', 'PATCHES'].includes(type))
    throw new Error(`HOSTSCAN_TYPE "${type}" is not QUICK, FULL or PATCHES`);
  return {
    url,
    token,
    type,
    hostname: (m[1] ?? m[2])!,
    port: m[3] ? Number(m[3]) : undefined,
    username: process.env.HOSTSCAN_USER || undefined,
  };
}

/** One query or mutation over HTTP, typed by its document. */
async function execute<TResult, TVariables>(
  url: string,
  token: string,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query: document.toString(), variables }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = (await res.json()) as {
    data?: TResult;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
  if (body.errors?.length)
    throw new Error(
      body.errors.map((e) => `${e.message} (${e.extensions?.code ?? 'no code'})`).join('; '),
    );
  if (!body.data) throw new Error(`HTTP ${res.status} with no data`);
  return body.data;
}

/** One event of the stream, as the subscription's document selects it. */
type ProgressEvent = SdkFollowScanSubscription['scanProgress'];

/** Follows the scan until its stream completes; resolves with the last event. */
function follow(
  url: string,
  token: string,
  id: string,
  onEvent: (e: ProgressEvent) => void,
): Promise<ProgressEvent | undefined> {
  // graphql-ws constructs the socket: a subclass gives ws its deadline and size cap.
  class TimedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { handshakeTimeout: REQUEST_TIMEOUT_MS, maxPayload: 1 << 20 });
    }
  }
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: TimedWebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    connectionAckWaitTimeout: REQUEST_TIMEOUT_MS,
    retryAttempts: 0,
  });
  const variables: SdkFollowScanSubscriptionVariables = { id };
  let last: ProgressEvent | undefined;
  let timer: NodeJS.Timeout | undefined;
  return new Promise<ProgressEvent | undefined>((resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`scan ${id} did not finish within ${FOLLOW_TIMEOUT_MS / 1000} s`)),
      FOLLOW_TIMEOUT_MS,
    );
    client.subscribe<SdkFollowScanSubscription>(
      { query: FollowScan.toString(), variables },
      {
        next: ({ data, errors }) => {
          if (errors?.length) reject(new Error(errors.map((e) => e.message).join('; ')));
          else if (data) {
            last = data.scanProgress;
            onEvent(last);
          }
        },
        error: (e) =>
          reject(e instanceof Error ? e : new Error(`WebSocket closed: ${JSON.stringify(e)}`)),
        complete: () => resolve(last),
      },
    );
  }).finally(() => {
    clearTimeout(timer);
    void client.dispose();
  });
}

async function main(): Promise<number> {
  const s = settings();
  const { startScan } = await execute(s.url, s.token, StartScan, {
    input: {
      type: s.type,
      target: { hostname: s.hostname, port: s.port, username: s.username },
    },
  });
  const { id, host } = startScan.scan;
  console.log(`started ${s.type} scan ${id} of ${host.hostname}:${host.port}`);

  const last = await follow(s.url, s.token, id, (e) =>
    console.log(
      `#${e.seq} ${e.status} ${e.progress}%${e.step ? ` step ${e.step}` : ''}${e.message ? ` (${e.message})` : ''}`,
    ),
  );
  const { scan } = await execute(s.url, s.token, ScanResults, { id });
  if (!scan) throw new Error(`scan ${id} not found after it finished`);
  const r = scan.result;
  console.log(`status: ${scan.status} after ${scan.durationMs ?? '?'} ms (last seq ${last?.seq})`);
  if (scan.error) console.log(`error: ${scan.error.code}: ${scan.error.message}`);
  if (r?.os) console.log(`os: ${r.os.prettyName ?? '?'}, kernel ${r.os.kernel ?? '?'}`);
  if (r?.memory)
    console.log(`memory: ${r.memory.availableBytes} of ${r.memory.totalBytes} bytes available`);
  for (const d of r?.disks ?? []) console.log(`disk ${d.mount}: ${d.usePercent}% used`);
  for (const step of scan.steps.filter((x) => x.error))
    console.log(`step ${step.name} ${step.status}: ${step.error?.code} ${step.error?.message}`);
  return scan.status === 'COMPLETED' ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`sdk example: ${e instanceof Error ? e.message : String(e)}`);
    // Bad settings or a request that failed: not a scan outcome.
    process.exitCode = 3;
  },
);
