import { ensureWidgetBuild } from '../../server/assets/widgetBuild.ts';

// Tests serve the real widget build, built once per run when missing or stale.
export default async function setup(): Promise<void> {
  await ensureWidgetBuild();
}
