import { hydrate, render } from 'preact';
import { trackActivity } from './activity.ts';
import { createApiClient } from './api.ts';
import { App } from './App.tsx';
import { readBootstrap } from './bootstrap.ts';
import { createHostBridge } from './hostBridge.ts';
import { reportHeight } from './reportHeight.ts';
import { strings } from './strings.ts';
import { typedBeforeHydration } from './typedBeforeHydration.ts';
import './styles.css';

const root = document.getElementById('app')!;
const bootstrap = readBootstrap();

if (!bootstrap) {
  root.textContent = strings.notLaunched;
} else {
  // The postMessage channel to the host SDK; null when not framed, and the
  // widget then still works and shows a clear "session expired" state.
  // An LTI launch has no SDK around it: nobody to ask for a launch token or to tell the height to.
  const hostLink = bootstrap.noHostSdk ? undefined : (createHostBridge({ hostOrigins: bootstrap.hostOrigins }) ?? undefined);
  const api = createApiClient(bootstrap, { hostLink });
  trackActivity(api);
  if (hostLink) reportHeight(root, hostLink);
  const initial = { notes: bootstrap.notes, nextCursor: bootstrap.nextCursor, lastEventId: bootstrap.lastEventId };
  const hydrating = root.firstElementChild !== null;
  const app = (
    <App
      api={api}
      session={{ user: bootstrap.user, context: bootstrap.context }}
      initial={initial}
      renderedAt={bootstrap.renderedAt}
      locale={bootstrap.locale}
      contextLabel={bootstrap.contextLabel}
      noHostSdk={bootstrap.noHostSdk}
      typedBeforeHydration={hydrating ? typedBeforeHydration(root) : undefined}
    />
  );
  // The launch page carries server-rendered markup: adopt it instead of repainting.
  if (hydrating) hydrate(app, root);
  else render(app, root);
}
