import { widgetAdmin } from '../../server/cli/widgetAdmin.ts';

export interface AdminResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The questions the command asked (only with `answers`). */
  asked: string[];
}

/**
 * Runs an admin command (`npm run tenant -- add ...` is `adminCli(env, 'tenant', 'add', ...)`)
 * in this process, through the same entry point as the real one, without a
 * terminal. Like execFile, it rejects with { code, stdout, stderr } when the
 * command exits non-zero.
 */
export function adminCli(env: Record<string, string | undefined>, ...argv: string[]): Promise<AdminResult> {
  return adminCliAt({ env }, ...argv);
}

/** As adminCli, at a terminal where the operator gives `answers`, in order, to the questions asked. */
export async function adminCliAt({ env, answers }: { env: Record<string, string | undefined>; answers?: string[] }, ...argv: string[]): Promise<AdminResult> {
  let stdout = '';
  let stderr = '';
  const asked: string[] = [];
  const pending = [...(answers ?? [])];
  const ask = async (question: string) => {
    asked.push(question);
    return pending.shift() ?? '';
  };
  const io = { env, out: (text: string) => (stdout += text + '\n'), err: (text: string) => (stderr += text + '\n'), ...(answers ? { ask } : {}) };
  const code = await widgetAdmin(argv, io);
  const result = { code, stdout, stderr, asked };
  if (code !== 0) throw Object.assign(new Error(`exit code ${code}: ${stderr}`), result);
  return result;
}
