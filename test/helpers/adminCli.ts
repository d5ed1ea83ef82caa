import { widgetAdmin } from '../../server/cli/widgetAdmin.ts';

export interface AdminResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs an admin command (`npm run tenant -- add ...` is `adminCli(env, 'tenant', 'add', ...)`)
 * in this process, through the same entry point as the real one. Like execFile,
 * it rejects with { code, stdout, stderr } when the command exits non-zero.
 */
export async function adminCli(env: Record<string, string | undefined>, ...argv: string[]): Promise<AdminResult> {
  let stdout = '';
  let stderr = '';
  const code = await widgetAdmin(argv, { env, out: (text) => (stdout += text + '\n'), err: (text) => (stderr += text + '\n') });
  const result = { code, stdout, stderr };
  if (code !== 0) throw Object.assign(new Error(`exit code ${code}: ${stderr}`), result);
  return result;
}
