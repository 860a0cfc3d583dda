// Types for scripts/build-lambda.mjs, so TypeScript tests can import its constants and builder.
export declare const LAMBDA_RUNTIME: string;
export declare const ZIP_PREFIX: string;
export declare const EXTERNAL: string[];

export interface LambdaArtifact {
  zip: string;
  sha256: string;
  bytes: number;
  bundleBytes: number;
  runtime: string;
  handler: string;
  entries: string[];
  zipPath: string;
  stageDir: string;
  metafile: import('esbuild').Metafile;
}

export declare function buildLambda(options?: { entry?: string; outDir?: string }): Promise<LambdaArtifact>;
