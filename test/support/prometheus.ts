/**
 * Reading a /metrics page with a real Prometheus text parser
 * (parse-prometheus-text-format). Version 1.1 folds every series of a
 * labelled histogram into one, so histograms are also read as the plain
 * families they are written as (NAME_bucket, NAME_sum, NAME_count, one
 * sample per label set): the same parser, with their TYPE lines left out.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface Scrape {
  readonly text: string;
  /** Each family's type as the page declares it (COUNTER, GAUGE, HISTOGRAM, ...). */
  readonly types: ReadonlyMap<string, string>;
  /** The value of the sample of `name` whose labels include `labels`; undefined when none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample of `name`, with its labels. */
  samples(name: string): Array<{ labels: Record<string, string>; value: number }>;
}

export function parseScrape(text: string): Scrape {
  const types = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f.type]));
  const flat = parsePrometheusTextFormat(
    text
      .split('\n')
      .filter((line) => !/^# TYPE \S+ histogram$/.test(line))
      .join('\n'),
  );
  // A histogram's series interleave its three names, so one name comes back
  // as several families: gather them.
  const samples = (name: string) =>
    flat
      .filter((f) => f.name === name)
      .flatMap((f) => f.metrics)
      .map((s) => ({ labels: s.labels ?? {}, value: Number(s.value) }));
  return {
    text,
    types,
    samples,
    value(name, labels = {}) {
      const match = samples(name).find((s) =>
        Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      );
      return match?.value;
    },
  };
}

/** GETs a /metrics page (with a bearer token when given) and parses it; throws on a non-200. */
export async function scrape(url: string, token?: string): Promise<Scrape> {
  const res = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 200)}`);
  return parseScrape(text);
}
