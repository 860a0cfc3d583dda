// Types for scripts/read-zip.mjs.
export interface ZipEntry {
  name: string;
  mode: number;
  dosDateTime: [number, number];
  data: Buffer;
}
export declare function readZip(zipPath: string): Promise<ZipEntry[]>;
export declare function extractZip(zipPath: string, dir: string): Promise<string>;
