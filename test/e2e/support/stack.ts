import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServerProcess } from '../../reliability/support/serverProcess.ts';

// The real server (server/main.ts) as a child process: widget on localhost,
// harness on 127.0.0.1 (different sites, so the iframe is third-party).

export interface Stack {
  widgetUrl: string;
  harnessUrl: string;
  dataDir: string;
  /** The server's database, for admin commands the tests run (docs: npm run tenant). */
  databaseUrl: string;
  /** The `aud` launch tokens for this server carry. */
  audience: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-e2e-'));
  const dbFile = path.join(dataDir, 'e2e.sqlite');
  const server = await startServerProcess({ dbFile, env, ready: ['/'] });
  const stop = async () => {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { widgetUrl: `http://localhost:${server.port}`, harnessUrl: server.harnessUrl, dataDir, databaseUrl: `sqlite:${dbFile}`, audience: server.audience, output: server.output, stop };
}
