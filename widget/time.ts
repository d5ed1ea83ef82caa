// Times shown on notes, in the viewer's locale: relative while recent (short
// enough for a 320 px iframe), a date after a week, the full date on hover.
// Before hydration the zone is UTC, as on the server: a date must not depend
// on where the page was rendered.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Making an Intl formatter costs far more than using one, and a render formats
// every note's time: one formatter per locale and options, kept for the page's life.
const formatters = new Map<string, Intl.RelativeTimeFormat | Intl.DateTimeFormat>();
const formatter = <F extends Intl.RelativeTimeFormat | Intl.DateTimeFormat>(key: string, make: () => F): F => {
  let made = formatters.get(key) as F | undefined;
  if (!made) formatters.set(key, (made = make()));
  return made;
};

export function relativeTime(iso: string, now: number, locale: string, hydrated: boolean): string {
  const ago = now - Date.parse(iso);
  const rtf = formatter('r' + locale, () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' }));
  // A note from a clock slightly ahead of ours is "now", never "in 1 min".
  if (ago < 45_000) return rtf.format(0, 'second');
  if (ago < HOUR) return rtf.format(-Math.round(ago / MINUTE), 'minute');
  if (ago < DAY) return rtf.format(-Math.round(ago / HOUR), 'hour');
  if (ago < 7 * DAY) return rtf.format(-Math.round(ago / DAY), 'day');
  const zone = hydrated ? undefined : 'UTC';
  return formatter(`d${zone}${locale}`, () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: zone })).format(Date.parse(iso));
}

export const fullTime = (iso: string, locale: string): string =>
  formatter('f' + locale, () => new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' })).format(Date.parse(iso));
