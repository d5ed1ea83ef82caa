import { describe, expect, it } from 'vitest';
import { fullTime, relativeTime } from '../../widget/time.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

describe('note times', () => {
  it('are relative while recent, in the viewer locale', () => {
    expect(relativeTime(ago(10_000), NOW, 'en', true)).toBe('now');
    expect(relativeTime(ago(5 * 60_000), NOW, 'en', true)).toBe('5 min. ago');
    expect(relativeTime(ago(3 * 3_600_000), NOW, 'de', true)).toBe('vor 3 Std.');
    expect(relativeTime(ago(2 * 86_400_000), NOW, 'en', true)).toBe('2 days ago');
  });

  it('are a date after a week, in UTC before hydration so the server and the first paint agree', () => {
    // 23:30 UTC is the next day east of UTC: only the UTC date is the same on every server.
    const late = '2026-02-01T23:30:00Z';
    expect(relativeTime(late, NOW, 'en', false)).toBe('Feb 1, 2026');
    expect(relativeTime(late, NOW, 'fr', false)).toBe('1 févr. 2026');
  });

  it('keeps one formatter per locale: a second locale does not reuse the first one', () => {
    const when = ago(5 * 60_000);
    expect(relativeTime(when, NOW, 'en', true)).not.toBe(relativeTime(when, NOW, 'fr', true));
    expect(fullTime(when, 'en')).toBe(new Date(when).toLocaleString('en', { dateStyle: 'full', timeStyle: 'short' }));
    expect(fullTime(when, 'fr')).toBe(new Date(when).toLocaleString('fr', { dateStyle: 'full', timeStyle: 'short' }));
  });
});
