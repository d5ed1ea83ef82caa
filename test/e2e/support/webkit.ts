import { spawn, type ChildProcess } from 'node:child_process';
import { Builder, type WebDriver } from 'selenium-webdriver';
import { freePort } from '../../../support/freePort.ts';
import { MINIBROWSER } from '../../helpers/testRequirements.ts';

export { MINIBROWSER };

// Intelligent Tracking Prevention: what Safari ships, which blocks every
// third-party cookie. Without it WebKitGTK's default ("no-third-party") still
// sends a cross-site frame the cookies its site set when visited top-level.
const WEBKIT_ARGS = ['--enable-itp'];

export interface WebKit {
  driver: WebDriver;
  close(): Promise<void>;
}

const groups = new Set<number>();
// The driver, Xvfb and MiniBrowser share one process group that we own: end it
// by its id even when a test fails or the run is interrupted.
const killGroup = (pid: number) => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
};
process.once('exit', () => groups.forEach(killGroup));

/**
 * WebKitGTK's MiniBrowser (Safari's engine) through WebKitWebDriver under a
 * virtual display. No --headless: it hangs; Xvfb stands in for a screen.
 */
export async function launchWebKit(): Promise<WebKit> {
  const port = await freePort();
  // -a takes the first free display from -n on; starting at a random one keeps two
  // runs on one machine (two clones) from both picking :99 at the same instant.
  const display = String(100 + Math.floor(Math.random() * 10_000));
  const child: ChildProcess = spawn('xvfb-run', ['-a', '-n', display, '-s', '-screen 0 1280x1024x24', 'WebKitWebDriver', `--port=${port}`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  groups.add(pid);
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  try {
    // A bound for a hang, not a start-up budget: Xvfb and the driver start in ~1 s on a quiet machine.
    const deadline = Date.now() + 120_000;
    while (!(await fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok, () => false))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`WebKitWebDriver did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const driver = await new Builder()
      .usingServer(`http://127.0.0.1:${port}`)
      .withCapabilities({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation', ...WEBKIT_ARGS] } })
      .build();
    // Wide enough for the harness with an 800 px widget: WebKitWebDriver does
    // not scroll a frame's element into view horizontally before clicking it.
    await driver.manage().window().setRect({ x: 0, y: 0, width: 1280, height: 1000 });
    return {
      driver,
      async close() {
        await driver.quit().catch(() => {});
        killGroup(pid);
        groups.delete(pid);
      },
    };
  } catch (err) {
    killGroup(pid);
    groups.delete(pid);
    throw err;
  }
}
