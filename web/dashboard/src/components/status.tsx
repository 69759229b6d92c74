import { scanErrorAdvice } from '../messages';
import type { ScanError, ScanStatus } from '../queries';

/** A scan's or step's status as visible text, coloured by kind (the text carries the meaning). */
export function StatusText({ status }: { status: string }) {
  return <span className={`status status-${status.toLowerCase()}`}>{status}</span>;
}

export const isActive = (s: ScanStatus): boolean => s === 'PENDING' || s === 'RUNNING';

/** A failed scan's or step's error: code, message, and what usually helps. */
export function ScanErrorText({ error }: { error: ScanError }) {
  const advice = scanErrorAdvice(error.code);
  return (
    <span className="scan-error">
      <code>{error.code}</code> {error.message}
      {advice ? <span className="advice"> {advice}</span> : null}
    </span>
  );
}
