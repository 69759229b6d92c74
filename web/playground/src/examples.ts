/** One GraphiQL tab: an operation and its variables (JSON text). */
export interface ExampleTab {
  readonly query: string;
  readonly variables?: string;
}

/**
 * The tabs a first visit opens with: start a scan, then follow it. GraphiQL
 * keeps edited tabs in localStorage, so these show only until the user has
 * tabs of their own.
 */
export const EXAMPLE_TABS: readonly ExampleTab[] = [
  {
    query: `# Starts a QUICK scan and answers at once with the PENDING scan.
# Edit the target in Variables below; copy the id into "FollowScan".
mutation StartScan($target: ScanTargetInput!, $type: ScanType! = QUICK) {
  startScan(input: { target: $target, type: $type }) {
    scan {
      id
      status
      type
      host {
        hostname
        port
      }
    }
  }
}
`,
    variables: JSON.stringify(
      { target: { hostname: '127.0.0.1', port: 22, username: 'root' }, type: 'QUICK' },
      null,
      2,
    ),
  },
  {
    query: `# Follows one scan over the WebSocket: its current state first, then each
# change of status, step or percent; ends after COMPLETED, PARTIAL, FAILED or
# CANCELLED. Pass afterSeq to resume after the last seq you saw.
subscription FollowScan($id: ID!) {
  scanProgress(id: $id) {
    seq
    status
    progress
    step
    message
    at
  }
}
`,
    variables: JSON.stringify({ id: 'paste the id from StartScan' }, null, 2),
  },
  {
    query: `# The newest scans first (a Relay connection).
query RecentScans {
  scans(first: 10) {
    totalCount
    edges {
      node {
        id
        type
        status
        progress
        currentStep
        createdAt
        host {
          hostname
        }
      }
    }
  }
}
`,
  },
];
