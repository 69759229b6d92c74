import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured JSON logs (pino). Secrets never reach a log line: the redact
 * list is a second net behind code that never logs them in the first place.
 */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { pid: process.pid, ...bindings },
    redact: {
      paths: [
        'password',
        'passphrase',
        'privateKey',
        'token',
        'authorization',
        '*.password',
        '*.passphrase',
        '*.privateKey',
        '*.token',
        '*.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
