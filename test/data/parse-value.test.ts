import { describe, expect, it } from 'vitest';
import { datetimeText, numberText, parseDatetime, parseNumber } from '../../src/data/parse-value.ts';

describe('parseNumber', () => {
  it('accepts decimal numbers with optional sign, fraction, exponent and surrounding whitespace', () => {
    const cases: [string, number][] = [
      ['42', 42],
      ['-0.5', -0.5],
      ['+7', 7],
      ['.5', 0.5],
      ['5.', 5],
      ['1e3', 1000],
      ['2E-4', 0.0002],
      [' 3 ', 3],
      ['\t8', 8],
      ['007', 7],
    ];
    for (const [text, value] of cases) expect(parseNumber(text), text).toBe(value);
  });

  it('rejects everything else', () => {
    for (const text of [
      '',
      ' ',
      '12abc',
      'abc',
      '0x1F',
      '1_000',
      '1,5',
      'Infinity',
      '-inf',
      'NaN',
      '1e999',
      '1e',
      '.',
      '--1',
      '1 2',
    ]) {
      expect(parseNumber(text), JSON.stringify(text)).toBeUndefined();
    }
  });
});

describe('parseDatetime', () => {
  it('reads ISO-8601 dates and date-times as UTC epoch milliseconds', () => {
    const cases: [string, number][] = [
      ['2024-02-29', Date.UTC(2024, 1, 29)],
      ['2024-03-01T12:34', Date.UTC(2024, 2, 1, 12, 34)],
      ['2024-03-01 12:34:56', Date.UTC(2024, 2, 1, 12, 34, 56)],
      ['2024-03-01T12:34:56.7891Z', Date.UTC(2024, 2, 1, 12, 34, 56, 789)],
      ['2024-03-01T12:00:00+02:00', Date.UTC(2024, 2, 1, 10)],
      ['2024-03-01T12:00:00-0530', Date.UTC(2024, 2, 1, 17, 30)],
      ['2024-03-01T12:00:00+01', Date.UTC(2024, 2, 1, 11)],
      ['1900-01-01', Date.UTC(1900, 0, 1)],
      ['0099-06-15', Date.parse('0099-06-15T00:00:00Z')],
    ];
    for (const [text, value] of cases) expect(parseDatetime(text), text).toBe(value);
    expect(new Date(parseDatetime('0099-06-15')!).toISOString()).toBe('0099-06-15T00:00:00.000Z');
  });

  it('rejects impossible or non-ISO dates', () => {
    for (const text of [
      '2023-02-29',
      '2024-13-01',
      '2024-04-31',
      '2024-01-01T24:00',
      '2024-01-01T10:60',
      '01/02/2024',
      '2024-1-1',
      '20240101',
      '2024-01-01Z',
      'yesterday',
      '',
    ]) {
      expect(parseDatetime(text), text).toBeUndefined();
    }
  });

  it('round-trips through the canonical texts', () => {
    expect(datetimeText(parseDatetime('2001-01-01 00:01')!)).toBe('2001-01-01T00:01:00.000Z');
    expect(numberText(-0)).toBe('0');
    expect(numberText(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(parseNumber(numberText(1 / 3))).toBe(1 / 3);
  });
});
