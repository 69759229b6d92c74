import { useId, useState } from 'react';

import { UsageBar } from '../components/bars';
import { bytes, uptime } from '../format';
import type { ScanResult } from '../queries';

/** How many package rows are drawn at once; the filter narrows the rest. */
const PACKAGE_ROWS = 200;

/** What the probes found: each section only when its probe ran. */
export function ResultView({ result }: { result: ScanResult }) {
  const r = result;
  return (
    <div className="results">
      <section aria-labelledby="r-system">
        <h3 id="r-system">System</h3>
        <dl className="facts">
          <dt>Hostname</dt>
          <dd>{r.hostname ?? 'unknown'}</dd>
          <dt>OS</dt>
          <dd>{r.os?.prettyName ?? r.os?.name ?? 'unknown'}</dd>
          <dt>Kernel</dt>
          <dd>{r.os?.kernel ?? 'unknown'}</dd>
          <dt>Architecture</dt>
          <dd>{r.os?.arch ?? 'unknown'}</dd>
          <dt>Uptime</dt>
          <dd>{uptime(r.uptimeSeconds)}</dd>
        </dl>
      </section>

      {r.memory ? (
        <section aria-labelledby="r-memory">
          <h3 id="r-memory">Memory</h3>
          <dl className="facts wide">
            <dt>Memory</dt>
            <dd>
              <UsageBar
                percent={
                  r.memory.totalBytes ? (100 * r.memory.usedBytes) / r.memory.totalBytes : null
                }
                label="Memory used"
                text={`${bytes(r.memory.usedBytes)} of ${bytes(r.memory.totalBytes)} used`}
              />
            </dd>
            <dt>Swap</dt>
            <dd>
              {r.memory.swapTotalBytes ? (
                <UsageBar
                  percent={(100 * r.memory.swapUsedBytes) / r.memory.swapTotalBytes}
                  label="Swap used"
                  text={`${bytes(r.memory.swapUsedBytes)} of ${bytes(r.memory.swapTotalBytes)} used`}
                />
              ) : (
                'none'
              )}
            </dd>
          </dl>
        </section>
      ) : null}

      {r.disks ? (
        <section aria-labelledby="r-disks">
          <h3 id="r-disks">Disks</h3>
          <table className="disks">
            <thead>
              <tr>
                <th scope="col">Mount</th>
                <th scope="col">Filesystem</th>
                <th scope="col">Size</th>
                <th scope="col">Usage</th>
              </tr>
            </thead>
            <tbody>
              {r.disks.map((d) => (
                <tr key={`${d.mount}\0${d.filesystem}`}>
                  <th scope="row" data-label="Mount">
                    {d.mount}
                  </th>
                  <td data-label="Filesystem">{d.filesystem}</td>
                  <td data-label="Size">{bytes(d.sizeBytes)}</td>
                  <td data-label="Usage">
                    {d.error ? (
                      <span className="muted">not measured: {d.error}</span>
                    ) : (
                      <UsageBar
                        percent={d.usePercent}
                        label={`Usage of ${d.mount}`}
                        text={`${d.usePercent ?? '?'} % (${bytes(d.usedBytes)} used, ${bytes(d.availableBytes)} free)`}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      {r.updates ? <Updates result={r} /> : null}
      {r.packages ? <Packages packages={r.packages} /> : null}

      {r.interfaces ? (
        <section aria-labelledby="r-interfaces">
          <h3 id="r-interfaces">Interfaces</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">MAC</th>
                <th scope="col">MTU</th>
                <th scope="col">Addresses</th>
              </tr>
            </thead>
            <tbody>
              {r.interfaces.map((i) => (
                <tr key={i.name}>
                  <th scope="row" data-label="Name">
                    {i.name}
                  </th>
                  <td data-label="State">{i.state}</td>
                  <td data-label="MAC">{i.mac ?? '—'}</td>
                  <td data-label="MTU">{i.mtu ?? '—'}</td>
                  <td data-label="Addresses" className="wrap">
                    {i.addresses.length
                      ? i.addresses.map((a) => `${a.address}/${a.prefixLength}`).join(', ')
                      : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      {r.processes ? (
        <section aria-labelledby="r-processes">
          <h3 id="r-processes">Processes (largest by memory)</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">PID</th>
                <th scope="col">User</th>
                <th scope="col">Resident</th>
                <th scope="col">Command</th>
              </tr>
            </thead>
            <tbody>
              {r.processes.map((p) => (
                <tr key={p.pid}>
                  <th scope="row" data-label="PID">
                    {p.pid}
                  </th>
                  <td data-label="User">{p.user}</td>
                  <td data-label="Resident">
                    {bytes(p.rssBytes)} ({p.memPercent.toFixed(1)} %)
                  </td>
                  <td data-label="Command" className="wrap">
                    <code>{p.command}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}

function Updates({ result }: { result: ScanResult }) {
  const updates = result.updates ?? [];
  const security = updates.filter((u) => u.security).length;
  return (
    <section aria-labelledby="r-updates">
      <h3 id="r-updates">Updates</h3>
      <p>
        {updates.length === 0
          ? 'No pending updates.'
          : `${updates.length} pending, ${security} of them security fixes.`}{' '}
        {result.rebootRequired ? (
          <strong>
            Reboot required
            {result.rebootReasons?.length ? `: ${result.rebootReasons.join('; ')}` : ''}.
          </strong>
        ) : result.rebootRequired === false ? (
          'No reboot required.'
        ) : null}{' '}
        {result.packageListsAge !== null ? (
          <span className="muted">Package lists {uptime(result.packageListsAge)} old.</span>
        ) : null}
      </p>
      {updates.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Package</th>
              <th scope="col">Installed</th>
              <th scope="col">Available</th>
              <th scope="col">Source</th>
              <th scope="col">Security</th>
            </tr>
          </thead>
          <tbody>
            {updates.map((u) => (
              <tr key={`${u.name}\0${u.arch}\0${u.availableVersion}`}>
                <th scope="row" data-label="Package">
                  <div>
                    {u.name}
                    {u.arch ? <span className="muted">:{u.arch}</span> : null}
                  </div>
                </th>
                <td data-label="Installed">{u.currentVersion ?? '—'}</td>
                <td data-label="Available">{u.availableVersion}</td>
                <td data-label="Source">{u.source ?? '—'}</td>
                <td data-label="Security">
                  {u.security ? `yes${u.severity ? ` (${u.severity})` : ''}` : 'no'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function Packages({ packages }: { packages: NonNullable<ScanResult['packages']> }) {
  const id = useId();
  const [filter, setFilter] = useState('');
  const f = filter.trim().toLowerCase();
  const matching = f
    ? packages.items.filter((p) => p.name.toLowerCase().includes(f))
    : packages.items;
  return (
    <section aria-labelledby="r-packages">
      <h3 id="r-packages">Packages</h3>
      <p>
        {packages.count} installed ({packages.manager}).
      </p>
      <div className="field">
        <label htmlFor={`${id}-filter`}>Filter packages</label>
        <input
          id={`${id}-filter`}
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <p className="muted" aria-live="polite">
        {matching.length > PACKAGE_ROWS
          ? `Showing ${PACKAGE_ROWS} of ${matching.length} matching; narrow the filter to see others.`
          : `${matching.length} matching.`}
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Version</th>
            <th scope="col">Architecture</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {matching.slice(0, PACKAGE_ROWS).map((p) => (
            <tr key={`${p.name}\0${p.arch}`}>
              <th scope="row" data-label="Name">
                {p.name}
              </th>
              <td data-label="Version">{p.version}</td>
              <td data-label="Architecture">{p.arch ?? '—'}</td>
              <td data-label="State">{p.state ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
