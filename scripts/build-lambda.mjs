#!/usr/bin/env node
/**
 * Builds the Lambda deployment package:
 *   build/lambda/index.mjs (+ .map)      one minified ESM bundle, AWS SDK v3 included
 *   build/lambda/migrations/*.sql        read at run time by the schema runner (health check, migrate)
 *   build/lambda-metafile.json           esbuild's record of every input (the bundle test reads it)
 *   build/xapi-etl-processor-<sha>.zip   deterministic: same sources → same bytes → same name
 *   build/lambda-artifact.json           { zip, sha256, bytes, … } for deploy.sh and CI
 *
 * Usage: node scripts/build-lambda.mjs [--entry src/lambda/handler.ts] [--out-dir build]
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import yazl from 'yazl';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The newest Node.js runtime Lambda offers; the template's Runtime must match (a test checks). */
export const LAMBDA_RUNTIME = 'nodejs24.x';
export const ZIP_PREFIX = 'xapi-etl-processor-';

/**
 * Never in the bundle: chDB is the local embedded engine (a 100+ MB native addon, loaded lazily only when
 * CLICKHOUSE_HOST is unset, which the Lambda configuration refuses); s3rver is the local S3 for tests.
 */
export const EXTERNAL = ['chdb', 'chdb/*', 's3rver'];

// ESM output: bundled CommonJS packages still call require()/__dirname, which ESM lacks.
const BANNER = [
  "import { createRequire as __xapiCreateRequire } from 'node:module';",
  "import { fileURLToPath as __xapiFileURLToPath } from 'node:url';",
  "import { dirname as __xapiDirname } from 'node:path';",
  'const require = __xapiCreateRequire(import.meta.url);',
  'const __filename = __xapiFileURLToPath(import.meta.url);',
  'const __dirname = __xapiDirname(__filename);',
].join('\n');

// Zip entries carry this time and mode, whatever the files on disk say (DOS time fields, no UT field,
// so the time zone of the machine that builds does not leak in).
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const FILE_MODE = 0o100644;

export async function buildLambda({ entry = 'src/lambda/handler.ts', outDir = 'build' } = {}) {
  const out = path.resolve(ROOT, outDir);
  const stage = path.join(out, 'lambda');
  const entryPath = path.resolve(ROOT, entry);
  if (!fs.existsSync(entryPath)) throw new Error(`Lambda entry ${entry} does not exist`);
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });

  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [entryPath],
    outfile: path.join(stage, 'index.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    // Prefer packages' ESM builds: smaller after tree-shaking (the AWS SDK ships both).
    mainFields: ['module', 'main'],
    minify: true,
    // Mappings only: enough for readable stack traces (NODE_OPTIONS=--enable-source-maps), without
    // shipping every dependency's source text.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    external: EXTERNAL,
    banner: { js: BANNER },
    metafile: true,
    logLevel: 'warning',
  });
  fs.writeFileSync(path.join(out, 'lambda-metafile.json'), `${JSON.stringify(result.metafile, null, 1)}\n`);

  // The SQL only (the folder's README is for maintainers).
  fs.cpSync(path.join(ROOT, 'migrations'), path.join(stage, 'migrations'), {
    recursive: true,
    filter: (src) => fs.statSync(src).isDirectory() || src.endsWith('.sql'),
  });

  const zipBytes = await zipDirectory(stage);
  const sha256 = createHash('sha256').update(zipBytes).digest('hex');
  const zipName = `${ZIP_PREFIX}${sha256.slice(0, 16)}.zip`;
  for (const old of fs.readdirSync(out)) {
    if (old.startsWith(ZIP_PREFIX) && old.endsWith('.zip') && old !== zipName) fs.rmSync(path.join(out, old));
  }
  const zipPath = path.join(out, zipName);
  fs.writeFileSync(zipPath, zipBytes);

  const artifact = {
    zip: path.relative(ROOT, zipPath),
    sha256,
    bytes: zipBytes.length,
    bundleBytes: fs.statSync(path.join(stage, 'index.mjs')).size,
    runtime: LAMBDA_RUNTIME,
    handler: 'index.handler',
    entries: listFiles(stage),
  };
  fs.writeFileSync(path.join(out, 'lambda-artifact.json'), `${JSON.stringify(artifact, null, 2)}\n`);
  return { ...artifact, zipPath, stageDir: stage, metafile: result.metafile };
}

function listFiles(dir, prefix = '') {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((d) =>
      d.isDirectory() ? listFiles(path.join(dir, d.name), `${prefix}${d.name}/`) : [`${prefix}${d.name}`],
    )
    .sort();
}

/** Sorted entries, fixed times and modes, fixed compression level: byte-identical for identical files. */
function zipDirectory(dir) {
  const zip = new yazl.ZipFile();
  for (const name of listFiles(dir)) {
    zip.addBuffer(fs.readFileSync(path.join(dir, name)), name, {
      mtime: FIXED_MTIME,
      mode: FILE_MODE,
      compressionLevel: 9,
      forceDosTimestamp: true,
    });
  }
  zip.end({ forceZip64Format: false });
  return new Promise((resolve, reject) => {
    const chunks = [];
    zip.outputStream.on('data', (c) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { values } = parseArgs({
    options: { entry: { type: 'string' }, 'out-dir': { type: 'string' }, quiet: { type: 'boolean' } },
  });
  try {
    const a = await buildLambda({ entry: values.entry, outDir: values['out-dir'] });
    if (!values.quiet) {
      console.error(
        `Built ${a.zip}: ${a.bytes} bytes zipped (bundle ${a.bundleBytes} bytes), sha256 ${a.sha256}, ${a.entries.length} files`,
      );
    }
    // stdout: the zip path alone, for scripts.
    console.log(path.resolve(ROOT, a.zip));
  } catch (error) {
    console.error(`build-lambda: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
