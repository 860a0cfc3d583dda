import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { readyFile, startInBackground, stopBackground } from '../../tools/local-s3/background.js';
import { desAvailable, rerunWithLegacyProvider } from '../../tools/local-s3/legacy-des.js';
import { startLocalS3 } from '../../tools/local-s3/local-s3.js';
import { wholeNumber } from '../option-values.js';
import { reportError } from '../run-command.js';

const CREDENTIALS = 'AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER';

interface LocalS3Options {
  port: number;
  bucket: string;
  dir?: string;
  background?: boolean;
  stop?: boolean;
}

export default (command: Command): Command =>
  command
    .description(
      'Run a local S3 server (s3rver) to try xapi-etl on your machine; objects are kept on disk. Ctrl-C stops it, or run it with --background and stop it with --stop.',
    )
    .option('--port <port>', 'Port on 127.0.0.1', wholeNumber('--port', 1, 65_535), 4569)
    .option('--bucket <buckets>', 'Bucket(s) to create, comma-separated', 'xapi')
    .option('--dir <dir>', 'Where the objects are kept (default: local-s3/ in XAPI_ETL_DATA_DIR, .xapi-etl/)')
    .option('--background', 'Start it detached and return once it answers')
    .option('--stop', 'Stop the local S3 started with --background')
    .action(localS3);

async function localS3(args: LocalS3Options): Promise<void> {
  try {
    const port = args.port;
    const directory = path.resolve(
      args.dir ?? path.join(process.env.XAPI_ETL_DATA_DIR || '.xapi-etl', 'local-s3'),
    );
    const buckets = args.bucket
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    const endpoint = `http://127.0.0.1:${port}`;
    const useIt = `  export AWS_ENDPOINT_URL_S3=${endpoint} ${CREDENTIALS} S3_XAPI_BUCKET_NAME=${buckets[0] ?? 'xapi'}\n`;

    if (args.stop) {
      const stopped = await stopBackground(directory);
      process.stdout.write(
        stopped ? 'local S3 stopped\n' : `no local S3 started with --background in ${directory}\n`,
      );
      if (!stopped) process.exitCode = 1;
      return;
    }
    if (args.background) {
      // The same server in the foreground, with what this command line chose.
      const argv = [
        process.argv[1] as string,
        'local-s3',
        ...['--port', String(port), '--bucket', args.bucket, '--dir', directory],
      ];
      const pid = await startInBackground(argv, directory, port);
      process.stdout.write(
        `local S3 on ${endpoint} (pid ${pid}), bucket(s) ${buckets.join(', ')}, objects in ${directory}\n` +
          `use it:\n${useIt}stop it: xapi-etl local-s3 --stop\n`,
      );
      return;
    }

    // Listings of over 1,000 keys need DES (see legacy-des.ts): run again with the legacy provider.
    if (!desAvailable() && rerunWithLegacyProvider()) return;
    const s3 = await startLocalS3({ directory, port }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        throw new InputError(`port ${port} is in use (another local S3?): stop it, or pass --port`);
      throw error;
    });
    for (const b of buckets) await s3.createBucket(b);
    fs.writeFileSync(readyFile(directory), `${endpoint}\n`);
    process.stdout.write(
      `local S3 on ${endpoint}, bucket(s) ${buckets.join(', ')}, objects in ${directory}` +
        `${desAvailable() ? '' : ' (listings over 1,000 keys unavailable: this Node has no DES)'}\n` +
        `use it (in another shell):\n${useIt}Ctrl-C stops it\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    fs.rmSync(readyFile(directory), { force: true });
    await s3.close();
  } catch (error) {
    reportError(error);
  }
}
