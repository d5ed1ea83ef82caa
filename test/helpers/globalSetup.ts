import { ensureWidgetBuild } from '../../server/assets/widgetBuild.ts';
import { buildTestServerBundle } from './testServerBundle.ts';

// Tests serve the real widget build, built once per run when missing or stale,
// and start server processes from one server bundle built for the run.
export default async function setup(): Promise<void> {
  await ensureWidgetBuild();
  await buildTestServerBundle();
}
