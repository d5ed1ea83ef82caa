import { render } from 'preact';
import { createApiClient } from './api.ts';
import { App } from './App.tsx';
import { readBootstrap } from './bootstrap.ts';
import { createHostBridge } from './hostBridge.ts';
import './styles.css';

const root = document.getElementById('app')!;
const bootstrap = readBootstrap();
if (!bootstrap) {
  root.textContent = 'This widget must be opened by a host platform launch.';
} else {
  document.documentElement.dataset.theme = bootstrap.theme;
  const hostLink = createHostBridge({ hostOrigins: bootstrap.hostOrigins });
  // The content's own height, not the viewport's: the iframe should fit the notes, not the other way round.
  if (hostLink) new ResizeObserver(() => hostLink.reportHeight(root.getBoundingClientRect().height)).observe(root);
  render(<App api={createApiClient(bootstrap)} />, root);
}
