import type { Note } from './note.ts';

// The launch page inlines this as JSON (server/routes/launch.ts, WidgetBootstrap).
export interface Bootstrap {
  v: 1;
  token: string;
  expiresAt: string;
  user: { id: string; name: string | null };
  context: string;
  hostOrigins: string[];
  theme: 'light' | 'dark' | 'auto';
  /** Server-rendered first page of notes (server/page/renderNotesApp.tsx). */
  notes?: Note[];
  nextCursor?: string | null;
  /** Epoch ms of the server render: the first client render uses it so hydration matches. */
  renderedAt?: number;
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
