import { decodeUtf8 } from '../../src/util/utf8';

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))),
  );

it('returns valid UTF-8 unchanged, including non-ASCII and a literal backslash', () => {
  const text = 'Grüße-ünïcødé \\x41 日本 🚀';
  expect(decodeUtf8(Buffer.from(text, 'utf8'))).toBe(text);
});

it('escapes each invalid byte as \\xNN and keeps the valid text around it', () => {
  // Latin-1 "ü" (0xfc) inside UTF-8 text, as a process started under a Latin-1 locale shows it.
  expect(decodeUtf8(bytes('Gr', [0xfc], 'ße'))).toBe('Gr\\xfcße');
});

it('rejects overlong forms, surrogates, code points above U+10FFFF and cut sequences', () => {
  expect(decodeUtf8(Buffer.from([0xc0, 0xaf]))).toBe('\\xc0\\xaf');
  expect(decodeUtf8(Buffer.from([0xe0, 0x80, 0xaf]))).toBe('\\xe0\\x80\\xaf');
  expect(decodeUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\\xed\\xa0\\x80');
  expect(decodeUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe('\\xf4\\x90\\x80\\x80');
  expect(decodeUtf8(bytes('ab', [0xe2, 0x82]))).toBe('ab\\xe2\\x82');
  expect(decodeUtf8(bytes([0xe2, 0x82, 0xac], 'x'))).toBe('€x');
});
