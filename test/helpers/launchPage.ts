/**
 * The bootstrap block of a widget launch page (server/page/renderWidgetPage.ts), parsed;
 * null when the page has none (a refused launch answers an error page).
 */
export function bootstrapOf(html: string): Record<string, any> | null {
  const match = /<script type="application\/json" id="widget-bootstrap">([^<]*)<\/script>/.exec(html);
  return match ? (JSON.parse(match[1]!) as Record<string, any>) : null;
}
