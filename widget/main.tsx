import { render } from 'preact';
import { createApiClient } from './api.ts';
import { App } from './App.tsx';
import { readBootstrap } from './bootstrap.ts';
import './styles.css';

const root = document.getElementById('app')!;
const bootstrap = readBootstrap();
if (!bootstrap) {
  root.textContent = 'This widget must be opened by a host platform launch.';
} else {
  render(<App api={createApiClient(bootstrap)} />, root);
}
