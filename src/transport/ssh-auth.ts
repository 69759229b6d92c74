import type { AuthenticationType, AuthHandlerMiddleware, Prompt } from 'ssh2';

import { ScanError, ScanErrorCode } from '../domain/errors';

/** The SSH user-authentication methods a credential may use (RFC 4252, RFC 4256). */
export type SshAuthMethod = 'publickey' | 'password' | 'keyboard-interactive';

/** What a login carries; which fields are set decides the methods. */
export interface SshSecret {
  privateKey?: string | Buffer;
  password?: string;
}

/**
 * The methods tried for a secret, in order, each once: a key logs in with
 * `publickey` only; a password with `password`, then `keyboard-interactive`
 * (sshd set-ups that check passwords through PAM offer only the latter).
 * The `none` probe is never sent: it costs a round trip and tells us only
 * what the first failure tells us anyway.
 */
export function authMethodsFor(secret: SshSecret): SshAuthMethod[] {
  const methods: SshAuthMethod[] = [];
  if (secret.privateKey !== undefined) methods.push('publickey');
  if (secret.password !== undefined) methods.push('password', 'keyboard-interactive');
  return methods;
}

/** Words that mark a prompt for a new password (an expired-password dialogue), never answered. */
const NEW_PASSWORD = /\b(new|retype|re-enter|repeat|confirm|again)\b/i;
/** OpenSSH's PAM prompts: "Password: " (pam_unix) and "user@host's password: ". */
const PASSWORD_PROMPT = /\bpassword\b/i;
const PROMPT_SHOWN_CHARS = 80;

/** True for a prompt that asks for the login password and nothing else. */
export function isPasswordPrompt(prompt: Prompt): boolean {
  return (
    prompt.echo !== true && PASSWORD_PROMPT.test(prompt.prompt) && !NEW_PASSWORD.test(prompt.prompt)
  );
}

/**
 * A server's prompt made safe to put in an error: the secret cut out (a
 * server that saw our `password` attempt could echo it back in a prompt),
 * shortened, quoted with control characters escaped.
 */
export function describePrompt(text: string, secret: string | undefined): string {
  let shown = secret ? text.split(secret).join('[secret]') : text;
  if (shown.length > PROMPT_SHOWN_CHARS) shown = `${shown.slice(0, PROMPT_SHOWN_CHARS)}…`;
  return JSON.stringify(shown);
}

export interface AuthPlan {
  /** ssh2's `authHandler`: offers each method once, skipping those the server does not list. */
  handler: AuthHandlerMiddleware;
  /** Why authentication failed, in words, once every method was tried (else null). */
  failure(): string | null;
}

/**
 * Builds the authentication plan for one connection. `refuse` is called
 * when the server asks a keyboard-interactive question other than the
 * password: the caller ends the connection without answering.
 */
export function planAuth(
  username: string,
  secret: SshSecret,
  refuse: (err: ScanError) => void,
): AuthPlan {
  const methods = authMethodsFor(secret);
  const tried: SshAuthMethod[] = [];
  let offered: string[] | null = null;
  let next = 0;
  let answered = false;
  let summary: string | null = null;

  const keyboard = {
    type: 'keyboard-interactive' as const,
    username,
    prompt(
      _name: string,
      _instructions: string,
      _lang: string,
      prompts: Prompt[],
      finish: (answers: string[]) => void,
    ): void {
      const other = prompts.find((p) => !isPasswordPrompt(p));
      if (other !== undefined || answered || secret.password === undefined) {
        const asked = other ?? prompts[0];
        const what = asked ? `prompt ${describePrompt(asked.prompt, secret.password)}` : 'prompt';
        const why =
          other !== undefined
            ? 'is not a password prompt; only password prompts are answered'
            : 'asks for the password a second time; it is answered once';
        refuse(new ScanError(ScanErrorCode.AUTH_FAILED, `keyboard-interactive ${what} ${why}`));
        return;
      }
      answered = true;
      finish(prompts.map(() => secret.password!));
    },
  };

  const handler: AuthHandlerMiddleware = (methodsLeft, _partial, callback) => {
    if (Array.isArray(methodsLeft)) offered = methodsLeft;
    while (next < methods.length) {
      const method = methods[next++]!;
      if (offered !== null && !offered.includes(method)) continue;
      tried.push(method);
      // publickey and password use the key and password given to connect(),
      // which ssh2 has already parsed (and refused synchronously when unusable).
      callback(method === 'keyboard-interactive' ? keyboard : (method as AuthenticationType));
      return;
    }
    summary =
      `tried ${tried.length ? tried.join(', ') : 'no method'}` +
      `; the server offers ${offered?.length ? offered.join(', ') : 'nothing'}` +
      `; this credential logs in with ${methods.join(' or ') || 'nothing'}`;
    // ssh2 reads `false` as "no method left"; its typings omit it.
    (callback as unknown as (auth: false) => void)(false);
  };
  return { handler, failure: () => summary };
}
