import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildLambda, type LambdaArtifact } from '../../scripts/build-lambda.mjs';
import { extractZip, readZip, type ZipEntry } from '../../scripts/read-zip.mjs';

/**
 * The Lambda package, built twice from the same sources into two folders: the bytes must match, and
 * esbuild's metafile (its record of every input file) must show no chDB, s3rver or dev tool.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const ENTRY = 'src/lambda/handler.ts';
const MAX_ZIP_BYTES = 2 * 1024 * 1024;

/** Packages that must never reach the Lambda: the embedded engine, the local S3, build and test tools. */
const FORBIDDEN_PACKAGES = [
  'chdb',
  '@chdb',
  's3rver',
  'vega',
  'vega-lite',
  'citty',
  'commander',
  'vitest',
  '@vitest',
  'vite',
  'esbuild',
  '@esbuild',
  'typescript',
  '@biomejs',
  'yazl',
  'yauzl',
  'yaml',
  '@aws-cdk',
];
const FORBIDDEN_SOURCES = ['test/', 'scripts/', 'src/tools/', 'src/cli/'];

let first: LambdaArtifact;
let second: LambdaArtifact;
let entries: ZipEntry[];

beforeAll(async () => {
  first = await buildLambda({ entry: ENTRY, outDir: 'build/test-bundle-a' });
  second = await buildLambda({ entry: ENTRY, outDir: 'build/test-bundle-b' });
  entries = await readZip(first.zipPath);
});

const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];

describe('Lambda bundle', () => {
  it('is byte-identical when built twice, and named by its content hash', () => {
    expect(second.sha256).toBe(first.sha256);
    expect(fs.readFileSync(second.zipPath).equals(fs.readFileSync(first.zipPath))).toBe(true);
    expect(path.basename(first.zipPath)).toBe(`xapi-etl-processor-${first.sha256.slice(0, 16)}.zip`);
  });

  it('holds the bundle, its source map and the migrations, with fixed modes and times, in sorted order', () => {
    const migrations = fs
      .readdirSync(path.join(ROOT, 'migrations'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.sql'))
      .map((f) => f.split(path.sep).join('/'));
    const names = entries.map((e) => e.name);
    expect(names).toEqual(['index.mjs', 'index.mjs.map', ...migrations.map((m) => `migrations/${m}`)].sort());
    for (const entry of entries) {
      expect(entry.mode, entry.name).toBe(0o100644);
      expect(entry.dosDateTime, entry.name).toEqual([(0 << 9) | (1 << 5) | 1, 0]); // 1980-01-01 00:00
    }
    for (const m of migrations) {
      const shipped = entries.find((e) => e.name === `migrations/${m}`);
      expect(shipped?.data.equals(fs.readFileSync(path.join(ROOT, 'migrations', m)))).toBe(true);
    }
    expect(names.some((n) => /chdb|s3rver|node_modules/i.test(n))).toBe(false);
  });

  it('is a small minified ESM file for the Lambda Node.js runtime', () => {
    console.info(
      `lambda zip: ${first.bytes} bytes (bundle ${first.bundleBytes} bytes), sha256 ${first.sha256}`,
    );
    expect(first.bytes).toBeLessThanOrEqual(MAX_ZIP_BYTES);
    const bundle = entries.find((e) => e.name === 'index.mjs')?.data.toString('utf8') ?? '';
    // ESM with a require() for the bundled CommonJS packages.
    expect(bundle.startsWith("import { createRequire as __xapiCreateRequire } from 'node:module';")).toBe(
      true,
    );
    // Minified and tree-shaken: far smaller than what went in (multi-line SQL strings keep their lines).
    const inputBytes = Object.values(first.metafile.inputs).reduce((sum, i) => sum + i.bytes, 0);
    expect(first.bundleBytes).toBeLessThan(inputBytes / 2);
    expect(bundle).not.toMatch(/^\/\/ (src|node_modules)\//m);
    expect(bundle).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    const output = Object.values(first.metafile.outputs).find((o) => o.entryPoint);
    expect(output?.exports).toContain('handler');
  });

  it('bundles the AWS SDK v3 and the ClickHouse client, and nothing from chDB, s3rver or dev tools', () => {
    const inputs = Object.keys(first.metafile.inputs);
    const packages = new Set(inputs.map(packageOf).filter(Boolean));
    expect([...packages]).toEqual(expect.arrayContaining(['@aws-sdk/client-s3', '@clickhouse/client']));
    expect([...packages].filter((p) => FORBIDDEN_PACKAGES.includes(p as string))).toEqual([]);
    expect(inputs.filter((i) => FORBIDDEN_SOURCES.some((s) => i.startsWith(s)))).toEqual([]);
    expect(inputs).toContain(ENTRY);
    // The metafile on disk (for CI and reviewers) is the same record.
    const onDisk = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'build/test-bundle-a/lambda-metafile.json'), 'utf8'),
    );
    expect(Object.keys(onDisk.inputs)).toEqual(inputs);
  });

  it('imports only Node built-ins statically; chDB only by a lazy import(), s3rver never', () => {
    const imports = Object.values(first.metafile.outputs).flatMap((o) => o.imports);
    const external = imports.filter((i) => i.external && !isBuiltin(i.path));
    for (const i of external) {
      expect(i.path, JSON.stringify(i)).toMatch(/^chdb(\/|$)/);
      expect(i.kind, i.path).toBe('dynamic-import');
    }
    expect(imports.some((i) => i.path.includes('s3rver'))).toBe(false);
  });

  it('loads from the extracted zip and answers a payload of no known shape with the three accepted ones', async () => {
    const dir = await extractZip(first.zipPath, path.join(ROOT, 'build/test-bundle-a/unzipped'));
    const { handler } = await import(pathToFileURL(path.join(dir, 'index.mjs')).href);
    const result = await handler(
      { hello: 'world' },
      { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 60_000 },
    );
    expect(result).toMatchObject({ success: false, request_id: 'bundle-test', files_processed: 0 });
    expect(result.error.message).toMatch(/health_check/);
    expect(result.error.message).toMatch(/bulk/);
    expect(result.error.message).toMatch(/bucket/);
  });
});

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0] as string);
}
const BUILTINS = new Set(builtinModules);
