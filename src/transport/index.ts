export type { ExecOptions, ExecResult, HostTransport } from './transport';
export { connectSsh, HARDENED_ALGORITHMS } from './ssh';
export type { HostKeyPolicy, SshConnectOptions } from './ssh';
export { createLocalTransport } from './local';
export { normaliseFingerprint, sha256Fingerprint } from './fingerprint';
export { shellQuote, wrapRemoteCommand } from './shell';
