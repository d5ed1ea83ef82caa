import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as embed from '../../widget/host/embed.ts';
import { WIDGET_DIST } from '../../server/projectPaths.ts';

// The declarations hosts download (/sdk/v1/embed.d.ts) are generated from
// widget/host/embed.ts in the build; these tests hold them to what the script
// really exports and compile a host's code against them, as a host's editor would.

const DECLARATIONS = path.join(WIDGET_DIST, 'sdk/v1/embed.d.ts');

const HOST_CODE = `
import { mount, type WidgetErrorDetail, type SessionExpiredDetail, type MountOptions } from './embed.js';
const options: MountOptions = {
  getLaunchToken: async ({ ctx }) => 'token for ' + ctx,
  ctx: 'page:42', theme: 'dark', widgetUrl: 'https://widget.example.com', title: 'Notes',
  minHeight: 120, maxHeight: 4000, readyTimeout: 10_000,
};
const widget = mount(document.createElement('div'), options);
widget.on('error', (detail: WidgetErrorDetail) => {
  const code: 'launch_refused' | 'frame_blocked' | 'never_ready' | 'launch_token_unavailable' = detail.code;
  console.log(code, detail.serverCode?.toUpperCase(), detail.message.length);
});
widget.on('session-expired', (detail: SessionExpiredDetail) => console.log(detail.reason));
widget.on('resize', ({ height }) => console.log(height.toFixed(0)));
widget.relaunch().then(() => widget.unmount());
// @ts-expect-error: not an option
mount(document.body, { getLaunchToken: async () => '', frameHeight: 3 });
// @ts-expect-error: not an event
widget.on('loaded', () => {});
// @ts-expect-error: not a theme
mount(document.body, { getLaunchToken: async () => '', theme: 'sepia' });
`;

describe('the published SDK declarations', () => {
  it('declare exactly the values the script exports', () => {
    const text = fs.readFileSync(DECLARATIONS, 'utf8');
    const declaredValues = [...text.matchAll(/^export declare (?:function|const|class) (\w+)/gm)].map((m) => m[1]);
    expect(declaredValues.sort()).toEqual(Object.keys(embed).sort());
  });

  it('type-check a host page that uses every option and event, and refuse what does not exist', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-types-'));
    try {
      fs.copyFileSync(DECLARATIONS, path.join(dir, 'embed.d.ts'));
      fs.writeFileSync(path.join(dir, 'host.ts'), HOST_CODE);
      const program = ts.createProgram([path.join(dir, 'host.ts')], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        types: [],
      });
      const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(problems).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
