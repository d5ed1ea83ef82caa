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
  if (hostLink) new ResizeObserver(() => hostLink.reportHeight(document.documentElement.scrollHeight)).observe(document.body);
  render(<App api={createApiClient(bootstrap)} />, root);
}
