import { useState } from 'react';

import { duration, hostPort, time } from '../format';
import type { ReadableError } from '../messages';
import type { ScanRow } from '../queries';
import { hostPath, Link, scanPath } from '../router';
import { ProgressBar } from './bars';
import { CancelButton } from './CancelButton';
import { ErrorNotice } from './ErrorNotice';
import { isActive, StatusText } from './status';

/**
 * The live table of scans, newest first. Below 40 rem each row becomes a card
 * (styles.css); the `data-label` attributes name the cells there.
 */
export function ScanTable({
  rows,
  onChange,
  caption,
}: {
  rows: readonly ScanRow[];
  onChange: (row: ScanRow) => void;
  caption: string;
}) {
  const [errors, setErrors] = useState<ReadableError[]>([]);
  return (
    <>
      <div className="live-region" aria-live="assertive" aria-atomic="true">
        <ErrorNotice errors={errors} />
      </div>
      <table className="scans">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col">Step</th>
            <th scope="col">Created</th>
            <th scope="col">Duration</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => {
            const label = `${s.type} scan of ${hostPort(s.host)}`;
            const nameId = `scan-${s.id}-name`;
            return (
              <tr key={s.id} data-scan-id={s.id} data-status={s.status}>
                <th scope="row" data-label="Host">
                  <div>
                    <Link to={hostPath(s.host)}>{hostPort(s.host)}</Link>
                    {s.username ? <span className="login"> as {s.username}</span> : null}
                    <span id={nameId} className="visually-hidden">
                      {label}, created {time(s.createdAt)}
                    </span>
                  </div>
                </th>
                <td data-label="Type">{s.type}</td>
                <td data-label="Status">
                  <div>
                    <StatusText status={s.status} />
                    {s.changeCount ? (
                      <span className="badge">
                        {s.changeCount} {s.changeCount === 1 ? 'change' : 'changes'}
                      </span>
                    ) : null}
                    {s.error && s.error.code !== s.status ? (
                      <span className="muted block">{s.error.code}</span>
                    ) : null}
                  </div>
                </td>
                <td data-label="Progress">
                  <ProgressBar value={s.progress} label={`Progress of the ${label}`} />
                </td>
                <td data-label="Step">{s.currentStep ?? '—'}</td>
                <td data-label="Created">{time(s.createdAt)}</td>
                <td data-label="Duration">{duration(s.durationMs)}</td>
                <td data-label="Actions">
                  <div className="row-actions">
                    <Link to={scanPath(s.id)} aria-describedby={nameId}>
                      Details
                    </Link>
                    {isActive(s.status) ? (
                      <CancelButton
                        scan={s}
                        describedBy={nameId}
                        onCancelled={(row) => {
                          setErrors([]);
                          onChange(row);
                        }}
                        onError={setErrors}
                      />
                    ) : null}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
