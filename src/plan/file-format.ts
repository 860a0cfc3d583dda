/**
 * How a file is read, from its name: the compression ClickHouse decompresses it with, and whether it is JSON
 * lines (read line by line, streaming) or a document (read whole, then split: a JSON array, an LRS result page,
 * objects concatenated with no separator, or JSON lines). A name with no extension (Amazon Data Firehose writes
 * none) is a document whose compression is read from its first bytes (src/plan/sniff-compression.ts).
 */
export type Compression = 'gzip' | 'zstd' | 'xz' | 'bz2' | 'none';

export interface FileFormat {
  kind: 'lines' | 'document';
  /** From the extension; `unknown` for a name without one (then sniffed). */
  compression: Compression | 'unknown';
}

const COMPRESSION_EXTENSIONS: Record<string, Compression> = {
  gz: 'gzip',
  gzip: 'gzip',
  zst: 'zstd',
  zstd: 'zstd',
  xz: 'xz',
  bz2: 'bz2',
};
const LINE_EXTENSIONS = new Set(['jsonl', 'ndjson', 'log']);
const DOCUMENT_EXTENSIONS = new Set(['json']);

/** The suffixes a file may end with, for S3 notification filters (a name without extension has none). */
export const BUNDLE_EXTENSIONS: string[] = [...LINE_EXTENSIONS, ...DOCUMENT_EXTENSIONS].flatMap((f) => [
  `.${f}`,
  ...Object.keys(COMPRESSION_EXTENSIONS).map((c) => `.${f}.${c}`),
]);

/** What the names say to users when a file is not one. */
export const FORMATS_TEXT =
  '.jsonl, .ndjson, .log (JSON lines), .json (a document), or no extension; optionally .gz, .zst, .xz or .bz2';

/** An extension is a short run of letters and digits after the last dot ("000Z_bundle" is none). */
const EXTENSION = /\.([A-Za-z0-9]{1,8})$/;

/** undefined: not an xAPI file (another extension: .csv, .parquet, …), or a folder marker. */
export function fileFormat(key: string): FileFormat | undefined {
  let name = key.slice(key.lastIndexOf('/') + 1);
  if (name === '') return undefined;
  let compression: FileFormat['compression'] = 'unknown';
  const outer = EXTENSION.exec(name)?.[1]?.toLowerCase();
  if (outer && outer in COMPRESSION_EXTENSIONS) {
    compression = COMPRESSION_EXTENSIONS[outer] as Compression;
    name = name.slice(0, -(outer.length + 1));
  }
  const ext = EXTENSION.exec(name)?.[1]?.toLowerCase();
  if (ext === undefined) return { kind: 'document', compression };
  if (LINE_EXTENSIONS.has(ext))
    return { kind: 'lines', compression: compression === 'unknown' ? 'none' : compression };
  if (DOCUMENT_EXTENSIONS.has(ext))
    return { kind: 'document', compression: compression === 'unknown' ? 'none' : compression };
  return undefined;
}

export function isBundleKey(key: string): boolean {
  return fileFormat(key) !== undefined;
}
