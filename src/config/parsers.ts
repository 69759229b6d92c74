/**
 * Parsers for environment variables. Each takes the trimmed, non-empty text of
 * one variable and returns its value or the problem, worded to follow the
 * variable's name ("PORT must be ..."). A parser never throws: the caller
 * collects every problem into one error.
 */
export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export interface Parser<T> {
  /** What the variable accepts, as the generated docs show it. */
  readonly accepts: string;
  parse(raw: string): Parsed<T>;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (problem: string): Parsed<never> => ({ ok: false, problem });

export const text: Parser<string> = { accepts: 'text', parse: ok };

export function integer(min: number, max: number): Parser<number> {
  return {
    accepts: `integer, ${min} to ${max}`,
    parse: (raw) =>
      /^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max
        ? ok(Number(raw))
        : bad(`must be an integer from ${min} to ${max}, got "${raw}"`),
  };
}

export const boolean: Parser<boolean> = {
  accepts: '`true`/`false` (also 1/0, yes/no, on/off)',
  parse(raw) {
    if (/^(1|true|yes|on)$/i.test(raw)) return ok(true);
    if (/^(0|false|no|off)$/i.test(raw)) return ok(false);
    return bad(`must be true or false, got "${raw}"`);
  },
};

export function oneOf<T extends string>(allowed: readonly T[]): Parser<T> {
  return {
    accepts: allowed.map((a) => `\`${a}\``).join(', '),
    parse: (raw) =>
      (allowed as readonly string[]).includes(raw)
        ? ok(raw as T)
        : bad(`must be one of ${allowed.join(', ')}, got "${raw}"`),
  };
}

/** Every member of a string union, listed once and checked by the compiler. */
export function membersOf<T extends string>(members: Record<T, true>): T[] {
  return Object.keys(members) as T[];
}

/** A comma-separated list, trimmed and without repeats; every item must match `pattern`. */
export function list(pattern: RegExp, what: string): Parser<string[]> {
  return {
    accepts: `comma-separated ${what}`,
    parse(raw) {
      const items = [...new Set(raw.split(',').map((s) => s.trim()))].filter(Boolean);
      const wrong = items.filter((i) => !pattern.test(i));
      return items.length > 0 && wrong.length === 0
        ? ok(items)
        : bad(`must be a comma-separated list of ${what}, got "${wrong[0] ?? raw}"`);
    },
  };
}

/** A comma-separated list, trimmed, empty items dropped; never refused. */
export const commaList: Parser<string[]> = {
  accepts: 'comma-separated list',
  parse: (raw) =>
    ok(
      raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
};

/** Text that passes `check`. The problem never echoes the value: it may be a secret. */
export function checked(
  accepts: string,
  check: (raw: string) => boolean,
  problem: string,
): Parser<string> {
  return { accepts, parse: (raw) => (check(raw) ? ok(raw) : bad(problem)) };
}
