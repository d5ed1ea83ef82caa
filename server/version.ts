import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './projectPaths.ts';

/** The release running (package.json "version"), read where the TypeScript sources and the bundle both find it. */
export const APP_VERSION: string = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
