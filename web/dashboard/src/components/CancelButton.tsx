import { useState } from 'react';

import { graphql, toApiError } from '../api';
import { readable, type ReadableError } from '../messages';
import { CANCEL_SCAN, type CancelScanData, type ScanRow } from '../queries';
import { useSession } from '../session';

/**
 * "Cancel" for one pending or running scan. Its accessible name is exactly
 * "Cancel"; `describedBy` points at the text saying which scan it is.
 */
export function CancelButton({
  scan,
  describedBy,
  onCancelled,
  onError,
}: {
  scan: ScanRow;
  describedBy?: string;
  onCancelled: (row: ScanRow) => void;
  onError: (errors: ReadableError[]) => void;
}) {
  const { token } = useSession();
  const [busy, setBusy] = useState(false);
  const cancel = async (): Promise<void> => {
    setBusy(true);
    try {
      const data = await graphql<CancelScanData>(token, CANCEL_SCAN, { id: scan.id });
      onCancelled(data.cancelScan);
    } catch (e) {
      onError(toApiError(e).details.map(readable));
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      className="secondary"
      onClick={() => void cancel()}
      disabled={busy}
      aria-describedby={describedBy}
    >
      Cancel
    </button>
  );
}
