/** What `--watch` draws: bars per scan, one bar for a large fleet, plain lines off a terminal. */
import { PassThrough } from 'node:stream';

import { progressView } from '../../src/cli/progress';

/** A stream that says it is a terminal of `rows` rows and keeps what it is written. */
function terminal(isTTY: boolean, rows = 40) {
  const stream = Object.assign(new PassThrough(), { isTTY, rows, columns: 120 });
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
  return { io: { stdout: new PassThrough(), stderr: stream }, text: () => text };
}

const event = (seq: number, status: string, progress: number, step: string | null = null) => ({
  seq,
  status,
  progress,
  step,
  message: status === 'RUNNING' ? null : status.toLowerCase(),
});

it('writes one plain line per event when stderr is not a terminal', () => {
  const t = terminal(false);
  const view = progressView(t.io, ['db1:22']);
  view.update('db1:22', event(2, 'RUNNING', 40, 'uptime'));
  view.update('db1:22', event(9, 'COMPLETED', 100));
  view.stop();
  expect(t.text()).toMatch(/^\d\d:\d\d:\d\d db1:22 RUNNING  40% step uptime\n/);
  expect(t.text()).toMatch(/\d\d:\d\d:\d\d db1:22 COMPLETED 100% - completed\n$/);
  expect(t.text()).not.toMatch(/\u2588/);
});

it('draws one bar per scan with its step on a terminal', () => {
  const t = terminal(true);
  const view = progressView(t.io, ['web1:22', 'db1:22']);
  view.update('web1:22', event(3, 'RUNNING', 60, 'disk'));
  view.update('db1:22', event(9, 'COMPLETED', 100));
  view.stop();
  expect(t.text()).toMatch(/web1:22 \u2588{18}\u2591{12}  60% \| RUNNING disk/);
  expect(t.text()).toMatch(/db1:22 {2}\u2588{30} 100% \| COMPLETED/);
});

it('counts finished scans on one bar when a fleet has more than fit', () => {
  const t = terminal(true);
  const labels = Array.from({ length: 25 }, (_, i) => `10.0.0.${i + 1}:22`);
  const view = progressView(t.io, labels);
  labels.forEach((label, i) => {
    view.update(label, event(2, 'RUNNING', 20, 'os'));
    view.update(label, event(8, i < 22 ? 'COMPLETED' : 'FAILED', 100));
    view.update(label, event(8, 'COMPLETED', 100)); // a repeat is not counted twice
  });
  view.stop();
  expect(t.text()).toMatch(/\u2588{30} 25\/25 scans finished \| 22 COMPLETED, 3 FAILED/);
  expect(t.text()).toContain('10.0.0.25:22 FAILED - failed');
  expect(t.text()).not.toMatch(/RUNNING os/);
});
