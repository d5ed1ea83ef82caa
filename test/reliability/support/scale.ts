// `npm test` runs every reliability suite at its bounded size; `npm run soak`
// sets WIDGET_SOAK=1 for the longer one. A single figure can also be set by
// name (e.g. LOAD_REQUESTS=50000) to probe further, still loopback-only.

export const soak = process.env.WIDGET_SOAK === '1';

export function figure(name: string, bounded: number, soaked: number): number {
  const raw = process.env[name];
  if (raw !== undefined && /^\d+$/.test(raw)) return Number(raw);
  return soak ? soaked : bounded;
}

/** One line per suite that docs/reliability.md quotes; grep the output for "[reliability]". */
export function report(suite: string, figures: Record<string, unknown>): void {
  console.info(`[reliability] ${suite} ${JSON.stringify(figures)}`);
}
