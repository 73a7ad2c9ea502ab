/**
 * Cell text → typed value, the one set of rules every reader uses (CSV cells, Parquet strings forced to a
 * type, JSON records). Parsing runs once per distinct text (dictionary entry), not per row.
 *
 * Numbers: optional surrounding whitespace, optional sign, decimal digits with an optional fraction and
 * exponent (`42`, ` 3 `, `-0.5`, `.5`, `5.`, `1e3`, `+2E-4`). Rejected: `12abc`, hex (`0x1F`), `1_000`, `1,5`,
 * `Infinity`/`inf`/`NaN` (missing values are configured as texts, not parsed), and anything that overflows
 * to ±Infinity (`1e999`). Leading zeros are accepted (`007` → 7): force `categorical` to keep codes like ZIPs.
 *
 * Datetimes: ISO-8601 calendar dates `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM`,
 * `HH:MM:SS` or `HH:MM:SS.fff…`, optionally followed by `Z` or an offset `±HH:MM` / `±HHMM` / `±HH`.
 * A time without offset is read as UTC, so results never depend on the machine's time zone. Fractions
 * beyond milliseconds are truncated. Month, day (per month and leap year), hour, minute and second are
 * range-checked: `2023-02-30` is not a date.
 */

const NUMBER = /^[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t]*$/;

/** The number a cell text denotes, or `undefined` when it is not a finite decimal number. */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

const DATETIME =
  /^[ \t]*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?[ \t]*$/;

const MS_PER_DAY = 86_400_000;

/** Milliseconds since the Unix epoch (UTC) of an ISO-8601 date or date-time text, or `undefined`. */
export function parseDatetime(text: string): number | undefined {
  const m = DATETIME.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  let ms = daysFromCivil(year, month, day) * MS_PER_DAY;
  if (m[4] !== undefined) {
    const hour = Number(m[4]);
    const minute = Number(m[5]);
    const second = m[6] === undefined ? 0 : Number(m[6]);
    if (hour > 23 || minute > 59 || second > 59) return undefined;
    const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
    ms += ((hour * 60 + minute) * 60 + second) * 1000 + millis;
    const zone = m[8];
    if (zone !== undefined && zone !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      const offsetHours = Number(digits.slice(0, 2));
      const offsetMinutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
      if (offsetHours > 23 || offsetMinutes > 59) return undefined;
      // Local time = UTC + offset, so UTC = local − offset.
      ms -= sign * (offsetHours * 60 + offsetMinutes) * 60_000;
    }
  }
  return ms;
}

/** Canonical text of a number: JavaScript's shortest round-trip form; -0 prints as `0`. */
export function numberText(value: number): string {
  return String(value);
}

/** Canonical text of an epoch-milliseconds instant: ISO-8601 in UTC (`2001-01-01T00:01:00.000Z`). */
export function datetimeText(ms: number): string {
  return new Date(ms).toISOString();
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; exact for every year). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
