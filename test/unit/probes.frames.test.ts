/** FrameReader: probe sections out of a byte stream, however it is cut into chunks. */
import { FrameReader } from '../../src/probes/frames';

const M = 'HOSTSCAN-0123456789abcdef0123456789abcdef';

interface Ended {
  index: number;
  status: number;
  text: string;
  overflowed: boolean;
}

function read(chunks: Buffer[], maxBytes = 1024): { begun: number[]; ended: Ended[] } {
  const begun: number[] = [];
  const ended: Ended[] = [];
  const reader = new FrameReader(M, () => maxBytes, {
    begin: (index) => begun.push(index),
    end: (index, status, bytes, overflowed) =>
      ended.push({ index, status, text: bytes.toString('utf8'), overflowed }),
  });
  for (const c of chunks) reader.push(c);
  return { begun, ended };
}

/** What the script writes around one step (see buildProbeScript). */
const frame = (i: number, body: string, status = 0): string =>
  `\n${M} B ${i}\n${body}\n${M} E ${i} ${status}\n`;

// A greeting from ~/.ssh/rc, an escape sequence without a newline, then two steps:
// one whose output lacks its final newline, one whose output holds a fake marker.
const STREAM = Buffer.from(
  'Welcome to web1!\n\u001b[0m' +
    frame(0, 'vm-ünïcødé') +
    frame(1, `line one\nHOSTSCAN-not-the-marker B 1\n${M} X 9\nlast\n`, 3),
  'utf8',
);

it('keeps each section exactly and drops what a login printed outside them', () => {
  const { begun, ended } = read([STREAM]);
  expect(begun).toEqual([0, 1]);
  expect(ended).toEqual([
    { index: 0, status: 0, text: 'vm-ünïcødé', overflowed: false },
    {
      index: 1,
      status: 3,
      text: `line one\nHOSTSCAN-not-the-marker B 1\n${M} X 9\nlast\n`,
      overflowed: false,
    },
  ]);
});

it('gives the same sections whichever byte a chunk boundary falls on', () => {
  const whole = read([STREAM]);
  for (let cut = 1; cut < STREAM.length; cut++) {
    const split = read([STREAM.subarray(0, cut), STREAM.subarray(cut)]);
    expect(split).toEqual(whole);
  }
  const bytewise = read([...STREAM].map((b) => Buffer.from([b])));
  expect(bytewise).toEqual(whole);
});

it('keeps a section up to its cap and reports the overflow, holding no more', () => {
  const big = 'x'.repeat(5000);
  const { ended } = read([Buffer.from(frame(0, big) + frame(1, 'small'))], 100);
  expect(ended).toEqual([
    { index: 0, status: 0, text: '', overflowed: true },
    { index: 1, status: 0, text: 'small', overflowed: false },
  ]);
});

it('never takes a long line that starts like the marker for a marker', () => {
  const fake = `${M} E 0 0${'y'.repeat(200)}`;
  const { ended } = read([Buffer.from(`\n${M} B 0\n${fake}\n\n${M} E 0 0\n`)]);
  expect(ended).toEqual([{ index: 0, status: 0, text: `${fake}\n`, overflowed: false }]);
});

it('ignores an end marker for a step that has not begun', () => {
  const { begun, ended } = read([Buffer.from(`\n${M} E 4 0\n` + frame(0, 'a'))]);
  expect(begun).toEqual([0]);
  expect(ended.map((e) => e.index)).toEqual([0]);
});
