export { normaliseFingerprint, sha256Fingerprint } from './fingerprint';
export { createLocalTransport } from './local';
export { shellQuote, wrapRemoteCommand } from './shell';
export type { HostKeyPolicy, SshConnectOptions } from './ssh';
export { connectSsh, HARDENED_ALGORITHMS } from './ssh';
export type {
  CommandOutput,
  ExecOptions,
  ExecResult,
  HostTransport,
  StreamOptions,
  StreamResult,
} from './transport';
