import { useEffect, useState } from 'react';

import { type ApiError, graphql, toApiError } from '../api';
import { ChangesList } from '../components/ChangesList';
import { ErrorNotice } from '../components/ErrorNotice';
import { StatusText } from '../components/status';
import { duration, hostPort, time } from '../format';
import { readableAll } from '../messages';
import { HOST, type HostData } from '../queries';
import { Link, scanPath } from '../router';
import { useSession } from '../session';

const HISTORY = 20;

/** A host: its pinned key, its scans newest first, and what each finished scan changed. */
export function HostPage({ hostname, port }: { hostname: string; port: number }) {
  const { token } = useSession();
  const [host, setHost] = useState<HostData['host'] | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    let stopped = false;
    setHost(undefined);
    graphql<HostData>(token, HOST, { hostname, port, first: HISTORY })
      .then((d) => !stopped && setHost(d.host))
      .catch((e) => !stopped && setError(toApiError(e)));
    return () => {
      stopped = true;
    };
  }, [token, hostname, port]);

  const name = hostPort({ hostname, port });
  if (error) {
    return (
      <>
        <h1>{name}</h1>
        <ErrorNotice errors={readableAll(error)} />
      </>
    );
  }
  if (host === undefined) return <p className="muted">Loading host…</p>;
  if (host === null) {
    return (
      <>
        <h1>{name}</h1>
        <p>No scan has named this host yet.</p>
        <p>
          <Link to="/">Back to all scans</Link>
        </p>
      </>
    );
  }
  const scans = host.scans.edges.map((e) => e.node);
  const changed = scans.filter((s) => s.changes);
  return (
    <>
      <p className="crumbs">
        <Link to="/">Scans</Link> / {name}
      </p>
      <h1>{name}</h1>
      <dl className="facts">
        <dt>Host key</dt>
        <dd>
          {host.hostKeyFingerprint ? <code>{host.hostKeyFingerprint}</code> : 'not pinned yet'}
        </dd>
        <dt>Pinned</dt>
        <dd>{time(host.hostKeyPinnedAt)}</dd>
        <dt>Scans</dt>
        <dd>{host.scans.totalCount}</dd>
      </dl>

      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        {scans.length === 0 ? (
          <p className="muted">No scans.</p>
        ) : (
          <table>
            <caption>
              The {scans.length} newest of {host.scans.totalCount} scans
            </caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Duration</th>
                <th scope="col">By</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {scans.map((s) => (
                <tr key={s.id} data-scan-id={s.id}>
                  <th scope="row" data-label="Created">
                    <Link to={scanPath(s.id)}>{time(s.createdAt)}</Link>
                  </th>
                  <td data-label="Type">{s.type}</td>
                  <td data-label="Status">
                    <div>
                      <StatusText status={s.status} />
                      {s.error && s.error.code !== s.status ? (
                        <span className="muted block">{s.error.code}</span>
                      ) : null}
                    </div>
                  </td>
                  <td data-label="Duration">{duration(s.durationMs)}</td>
                  <td data-label="By">{s.requestedBy}</td>
                  <td data-label="Changes">{s.changeCount === null ? '—' : s.changeCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="changed-title">
        <h2 id="changed-title">What changed</h2>
        {changed.length === 0 ? (
          <p className="muted">
            Nothing to compare yet: changes are listed from the second finished scan of a type on.
          </p>
        ) : (
          changed.map((s) => (
            <article key={s.id} className="change-set" aria-labelledby={`ch-${s.id}`}>
              <h3 id={`ch-${s.id}`}>
                {s.type} scan of {time(s.createdAt)}
              </h3>
              <ChangesList changes={s.changes!} />
            </article>
          ))
        )}
      </section>
    </>
  );
}
