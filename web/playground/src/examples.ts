import followScan from './examples/FollowScan.graphql?raw';
import followScanVariables from './examples/FollowScan.variables.json?raw';
import recentScans from './examples/RecentScans.graphql?raw';
import startScan from './examples/StartScan.graphql?raw';
import startScanVariables from './examples/StartScan.variables.json?raw';

/** One GraphiQL tab: an operation and its variables (JSON text). */
export interface ExampleTab {
  readonly query: string;
  readonly variables?: string;
}

/**
 * The tabs a first visit opens with: start a scan, then follow it, then list
 * scans. GraphiQL keeps edited tabs in localStorage, so these show only
 * until the user has tabs of their own. The operations live in examples/
 * (test/unit/playground.examples.test.ts validates them against
 * schema.graphql).
 */
export const EXAMPLE_TABS: readonly ExampleTab[] = [
  { query: startScan, variables: startScanVariables },
  { query: followScan, variables: followScanVariables },
  { query: recentScans },
];
