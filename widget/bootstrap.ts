// The launch page inlines this as JSON (server/routes/launch.ts, WidgetBootstrap).
export interface Bootstrap {
  v: 1;
  token: string;
  expiresAt: string;
  user: { id: string; name: string | null };
  context: string;
  hostOrigins: string[];
  theme: 'light' | 'dark' | 'auto';
}

export function readBootstrap(doc: Document = document): Bootstrap | null {
  const element = doc.getElementById('widget-bootstrap');
  if (!element?.textContent) return null;
  try {
    const data = JSON.parse(element.textContent) as Bootstrap;
    return data.v === 1 && typeof data.token === 'string' ? data : null;
  } catch {
    return null;
  }
}
