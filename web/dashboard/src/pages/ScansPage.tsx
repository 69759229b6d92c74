import { ErrorNotice } from '../components/ErrorNotice';
import { ScanTable } from '../components/ScanTable';
import { StartScanForm } from '../components/StartScanForm';
import { readableAll } from '../messages';
import { useLiveScans } from '../useLiveScans';

export function ScansPage() {
  const { rows, totalCount, loading, error, upsert } = useLiveScans();
  const caption =
    totalCount === null
      ? 'Scans, newest first'
      : `Scans, newest first (${rows.length} of ${totalCount} shown, live)`;
  return (
    <>
      <h1>Scans</h1>
      <StartScanForm onStarted={upsert} />
      <section aria-labelledby="scans-title">
        <h2 id="scans-title">Live scans</h2>
        <div aria-live="polite">{error ? <ErrorNotice errors={readableAll(error)} /> : null}</div>
        {loading ? <p className="muted">Loading scans…</p> : null}
        {!loading && rows.length === 0 && !error ? (
          <p className="muted">No scans yet: start one with the form above.</p>
        ) : null}
        {rows.length > 0 ? <ScanTable rows={rows} onChange={upsert} caption={caption} /> : null}
      </section>
    </>
  );
}
