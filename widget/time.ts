// Times shown on notes, in the viewer's locale: relative while recent (short
// enough for a 320 px iframe), a date after a week, the full date on hover.
// Before hydration the zone is UTC, as on the server: a date must not depend
// on where the page was rendered.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function relativeTime(iso: string, now: number, locale: string, hydrated: boolean): string {
  const ago = now - Date.parse(iso);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
  // A note from a clock slightly ahead of ours is "now", never "in 1 min".
  if (ago < 45_000) return rtf.format(0, 'second');
  if (ago < HOUR) return rtf.format(-Math.round(ago / MINUTE), 'minute');
  if (ago < DAY) return rtf.format(-Math.round(ago / HOUR), 'hour');
  if (ago < 7 * DAY) return rtf.format(-Math.round(ago / DAY), 'day');
  return new Date(iso).toLocaleDateString(locale, { dateStyle: 'medium', timeZone: hydrated ? undefined : 'UTC' });
}

export const fullTime = (iso: string, locale: string): string => new Date(iso).toLocaleString(locale, { dateStyle: 'full', timeStyle: 'short' });
