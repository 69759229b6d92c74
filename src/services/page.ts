/** Page sizes: `first` defaults to 20 and is capped at 100. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Forward pagination: at most `first` items after the item `after` names. */
export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

/** Relay page information. */
export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/** A Relay connection: a page of `T`, newest first, with the count of all matches. */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** An opaque cursor naming a scan: base64url of `scan:<uuid>`. */
export function encodeCursor(id: string): string {
  return Buffer.from(`scan:${id}`).toString('base64url');
}

/** The scan id a cursor names, or null for anything this API did not issue. */
export function decodeCursor(cursor: string): string | null {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^scan:([0-9a-f-]{36})$/.exec(raw);
  return m ? m[1]! : null;
}
