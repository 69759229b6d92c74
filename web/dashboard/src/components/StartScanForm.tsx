import { type FormEvent, useEffect, useId, useRef, useState } from 'react';

import { ApiError, graphql, toApiError } from '../api';
import { hostPort } from '../format';
import { labelOf, readable, type ReadableError } from '../messages';
import {
  CREDENTIALS,
  type CredentialsData,
  SCAN_TYPES,
  type ScanRow,
  type ScanType,
  START_SCAN,
  type StartScanData,
} from '../queries';
import { Link, scanPath } from '../router';
import { useSession } from '../session';
import { ErrorNotice } from './ErrorNotice';

type Field = 'hostname' | 'port' | 'username' | 'type' | 'credentialId';

/**
 * The form that starts a scan. Errors from the API are shown in an aria-live
 * region above the button; one that names a field is also shown under that
 * field (aria-invalid, aria-describedby) and the field gets the focus.
 */
export function StartScanForm({ onStarted }: { onStarted: (scan: ScanRow) => void }) {
  const { token } = useSession();
  const id = useId();
  const [hostname, setHostname] = useState('');
  const [port, setPort] = useState('22');
  const [username, setUsername] = useState('');
  const [type, setType] = useState<ScanType>('QUICK');
  const [credentialId, setCredentialId] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<ReadableError[]>([]);
  const [started, setStarted] = useState<ScanRow | null>(null);
  const [credentials, setCredentials] = useState<CredentialsData['credentials']>([]);
  const inputs = useRef<Partial<Record<Field, HTMLInputElement | HTMLSelectElement | null>>>({});

  // Stored credentials are listed for ADMIN tokens only; others type an id.
  useEffect(() => {
    let stopped = false;
    graphql<CredentialsData>(token, CREDENTIALS)
      .then((d) => !stopped && setCredentials(d.credentials))
      .catch(() => undefined);
    return () => {
      stopped = true;
    };
  }, [token]);

  const fieldError = (f: Field): ReadableError | undefined => errors.find((e) => e.field === f);

  const fail = (list: ReadableError[]): void => {
    setErrors(list);
    const first = list.find((e) => e.field)?.field as Field | undefined;
    if (first) inputs.current[first]?.focus();
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setStarted(null);
    const host = hostname.trim();
    const local: ReadableError[] = [];
    if (!host)
      local.push({
        title: 'Host is required.',
        field: 'hostname',
        advice: 'Enter a host name or an IP address.',
      });
    const portText = port.trim();
    const portNumber = portText === '' ? null : Number(portText);
    if (
      portNumber !== null &&
      (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535)
    )
      local.push({
        title: 'Port must be a whole number from 1 to 65535.',
        field: 'port',
        advice: 'Leave it at 22 for the usual SSH port.',
      });
    if (local.length) return fail(local);

    setBusy(true);
    setErrors([]);
    try {
      const target: Record<string, unknown> = { hostname: host };
      if (portNumber !== null) target.port = portNumber;
      if (username.trim()) target.username = username.trim();
      if (credentialId.trim()) target.credentialId = credentialId.trim();
      const data = await graphql<StartScanData>(token, START_SCAN, { input: { target, type } });
      setStarted(data.startScan.scan);
      onStarted(data.startScan.scan);
    } catch (err) {
      const apiError = err instanceof ApiError ? err : toApiError(err);
      fail(apiError.details.map(readable));
    } finally {
      setBusy(false);
    }
  };

  const described = (f: Field, hint?: string): string | undefined =>
    [hint, fieldError(f) ? `${id}-${f}-error` : undefined].filter(Boolean).join(' ') || undefined;

  const fieldMessage = (f: Field) => {
    const err = fieldError(f);
    return err ? (
      <p className="field-error" id={`${id}-${f}-error`}>
        {err.title}
      </p>
    ) : null;
  };

  return (
    <form
      className="start-scan"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby={`${id}-title`}
    >
      <h2 id={`${id}-title`}>Start a scan</h2>
      <div className="fields">
        <div className="field grow">
          <label htmlFor={`${id}-hostname`}>Host</label>
          <input
            id={`${id}-hostname`}
            ref={(el) => {
              inputs.current.hostname = el;
            }}
            name="hostname"
            value={hostname}
            onChange={(e) => setHostname(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            required
            aria-invalid={fieldError('hostname') ? true : undefined}
            aria-describedby={described('hostname')}
          />
          {fieldMessage('hostname')}
        </div>
        <div className="field narrow">
          <label htmlFor={`${id}-port`}>Port</label>
          <input
            id={`${id}-port`}
            ref={(el) => {
              inputs.current.port = el;
            }}
            name="port"
            inputMode="numeric"
            value={port}
            onChange={(e) => setPort(e.target.value)}
            aria-invalid={fieldError('port') ? true : undefined}
            aria-describedby={described('port')}
          />
          {fieldMessage('port')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-username`}>User</label>
          <input
            id={`${id}-username`}
            ref={(el) => {
              inputs.current.username = el;
            }}
            name="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            placeholder="root"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={fieldError('username') ? true : undefined}
            aria-describedby={described('username', `${id}-username-hint`)}
          />
          <p className="hint" id={`${id}-username-hint`}>
            Empty: the credential’s login, else root.
          </p>
          {fieldMessage('username')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-type`}>Type</label>
          <select
            id={`${id}-type`}
            ref={(el) => {
              inputs.current.type = el;
            }}
            name="type"
            value={type}
            onChange={(e) => setType(e.target.value as ScanType)}
            aria-describedby={described('type', `${id}-type-hint`)}
          >
            {SCAN_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <p className="hint" id={`${id}-type-hint`}>
            {type === 'QUICK'
              ? 'OS, uptime, disks, memory.'
              : type === 'FULL'
                ? 'QUICK, packages, processes, interfaces.'
                : 'OS, pending updates, reboot needed.'}
          </p>
        </div>
        <div className="field grow">
          <label htmlFor={`${id}-credentialId`}>{labelOf('credentialId')} (optional)</label>
          <input
            id={`${id}-credentialId`}
            ref={(el) => {
              inputs.current.credentialId = el;
            }}
            name="credentialId"
            value={credentialId}
            onChange={(e) => setCredentialId(e.target.value)}
            list={credentials.length ? `${id}-credentials` : undefined}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={fieldError('credentialId') ? true : undefined}
            aria-describedby={described('credentialId', `${id}-credential-hint`)}
          />
          {credentials.length ? (
            <datalist id={`${id}-credentials`}>
              {credentials.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({c.username}, {c.kind === 'PASSWORD' ? 'password' : 'key'})
                </option>
              ))}
            </datalist>
          ) : null}
          <p className="hint" id={`${id}-credential-hint`}>
            A stored credential’s id; empty: the worker’s own key.
          </p>
          {fieldMessage('credentialId')}
        </div>
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Start scan
        </button>
        {busy ? <span className="muted">Starting…</span> : null}
      </div>
      <div className="live-region" aria-live="polite" aria-atomic="true">
        <ErrorNotice errors={errors} />
        {started ? (
          <p className="notice ok">
            Scan started: {started.type} of {hostPort(started.host)}.{' '}
            <Link to={scanPath(started.id)} data-scan-id={started.id}>
              Follow this scan
            </Link>
          </p>
        ) : null}
      </div>
    </form>
  );
}
