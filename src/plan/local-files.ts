import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { isBundleKey } from './file-format.js';
import type { SourceObject } from './source-object.js';

/** ClickHouse's file() treats these as glob syntax and cannot escape them. */
const GLOB_CHARACTERS = /[*?{}[\],]/;

/**
 * Local files and folders (an LRS export on disk) as source objects. ClickHouse reads them itself with
 * file(); the key is the absolute path and the version tag is size + modification time.
 */
export function localSourceObjects(inputs: string[]): SourceObject[] {
  const out: SourceObject[] = [];
  for (const input of inputs) {
    const abs = path.resolve(input);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new InputError(`${input}: no such file or folder`);
    }
    const files = stat.isDirectory() ? walk(abs).filter(isBundleKey) : [abs];
    for (const file of files) {
      if (GLOB_CHARACTERS.test(file)) {
        throw new InputError(
          `${file}: local paths with any of * ? { } [ ] , cannot be read by file(); rename it`,
        );
      }
      const s = fs.statSync(file);
      out.push({
        kind: 'file',
        bucket: '',
        key: file,
        etag: `${s.size}-${Math.trunc(s.mtimeMs)}`,
        size: s.size,
      });
    }
  }
  return out;
}

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}
