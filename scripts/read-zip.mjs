/**
 * Reads a zip (the Lambda package) into memory: names, unix modes, DOS times and contents, in archive
 * order. Used by the bundle test and by deploy/test-bundle.mjs, which runs what the zip really holds.
 */
import fs from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';

export async function readZip(zipPath) {
  const zipfile = await yauzl.openPromise(zipPath, { lazyEntries: true });
  const entries = [];
  for await (const entry of zipfile.eachEntry()) {
    const stream = await zipfile.openReadStreamPromise(entry);
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    entries.push({
      name: entry.fileName,
      mode: (entry.externalFileAttributes >>> 16) & 0o177777,
      // The local date and time fields as written (no time zone conversion).
      dosDateTime: [entry.lastModFileDate, entry.lastModFileTime],
      data: Buffer.concat(chunks),
    });
  }
  return entries;
}

/** Writes every entry below `dir` (created fresh), refusing names that would escape it. */
export async function extractZip(zipPath, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const entry of await readZip(zipPath)) {
    const target = path.resolve(dir, entry.name);
    if (!target.startsWith(path.resolve(dir) + path.sep)) throw new Error(`zip entry escapes: ${entry.name}`);
    if (entry.name.endsWith('/')) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, entry.data);
  }
  return dir;
}
