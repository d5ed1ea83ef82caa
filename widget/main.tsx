import { hydrate, render } from 'preact';
import { trackActivity } from './activity.ts';
import { createApiClient } from './api.ts';
import { App } from './App.tsx';
import { readBootstrap } from './bootstrap.ts';
import type { HostLink } from './hostLink.ts';
import { reportHeight } from './reportHeight.ts';
import './styles.css';

const root = document.getElementById('app')!;
const bootstrap = readBootstrap();

// The postMessage bridge to the host SDK (widget/hostBridge.ts) plugs in here;
// without one the widget still works and shows a clear "session expired" state.
const hostLink: HostLink | undefined = (window as { __widgetHostLink?: HostLink }).__widgetHostLink;

if (!bootstrap) {
  root.textContent = 'This widget must be opened by a host platform launch.';
} else {
  const api = createApiClient(bootstrap, { hostLink });
  trackActivity(api);
  if (hostLink) reportHeight(root, hostLink);
  const initial = bootstrap.notes ? { notes: bootstrap.notes, nextCursor: bootstrap.nextCursor ?? null } : null;
  const app = <App api={api} session={{ user: bootstrap.user, context: bootstrap.context }} initial={initial} renderedAt={bootstrap.renderedAt} />;
  // The launch page carries server-rendered markup: adopt it instead of repainting.
  if (root.firstElementChild) hydrate(app, root);
  else render(app, root);
}
