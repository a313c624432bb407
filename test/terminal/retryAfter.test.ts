// The three HTTP-date formats of RFC 9110 §5.6.7 (its own examples), and what is not one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHttpDate, retryAfterSeconds } from '../../src/terminal/retryAfter.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const EXAMPLE = Date.parse('1994-11-06T08:49:37Z');

test('IMF-fixdate, rfc850-date and asctime-date name the same time (RFC 9110 §5.6.7)', () => {
  for (const value of ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994']) {
    assert.equal(parseHttpDate(value, NOW), EXAMPLE, value);
  }
});

test('a two-digit year more than 50 years ahead is the last such year in the past', () => {
  assert.equal(new Date(parseHttpDate('Sunday, 06-Nov-76 08:49:37 GMT', NOW)!).getUTCFullYear(), 2076);
  assert.equal(new Date(parseHttpDate('Sunday, 06-Nov-77 08:49:37 GMT', NOW)!).getUTCFullYear(), 1977);
});

test('what is not an HTTP-date is undefined', () => {
  for (const value of ['', 'Sun, 6 Nov 1994 08:49:37 GMT', 'Sun, 31 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 24:00:00 GMT', 'sun, 06 nov 1994 08:49:37 gmt', '1994-11-06T08:49:37Z', 'Sun, 06 Nov 1994 08:49:37 GMT trailing']) {
    assert.equal(parseHttpDate(value, NOW), undefined, value);
  }
});

test('retryAfterSeconds: delta-seconds, a date against the Date header, or undefined', () => {
  assert.equal(retryAfterSeconds('7', null, NOW), 7);
  assert.equal(retryAfterSeconds('Sun, 06 Nov 1994 08:50:37 GMT', 'Sun, 06 Nov 1994 08:49:37 GMT', NOW), 60);
  assert.equal(retryAfterSeconds('Sun, 06 Nov 1994 08:49:38 GMT', null, EXAMPLE + 1), 1, 'rounds a part of a second up');
  assert.equal(retryAfterSeconds(null, null, NOW), undefined);
  assert.equal(retryAfterSeconds('+5', null, NOW), undefined);
});
