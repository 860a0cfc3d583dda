import path from 'node:path';
import { defineCommand } from 'citty';
import { InputError } from '../../errors.js';
import { desAvailable, rerunWithLegacyProvider } from '../../local-s3/legacy-des.js';
import { startLocalS3 } from '../../local-s3/local-s3.js';
import { reportError } from '../run-command.js';

export default defineCommand({
  meta: {
    name: 'local-s3',
    description:
      'Run a local S3 server (s3rver) to try xapi-etl on your own machine: objects are kept on disk; Ctrl-C stops it.',
  },
  args: {
    port: { type: 'string', description: 'Port on 127.0.0.1', default: '4569' },
    bucket: { type: 'string', description: 'Bucket(s) to create, comma-separated', default: 'xapi' },
    dir: {
      type: 'string',
      description: 'Where the objects are kept (default: local-s3/ in XAPI_ETL_DATA_DIR, .xapi-etl/)',
    },
  },
  async run({ args }) {
    // Listings of over 1,000 keys need DES (see legacy-des.ts): run again with the legacy provider.
    if (!desAvailable() && rerunWithLegacyProvider()) return;
    try {
      const port = Number(args.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new InputError(`--port must be a port number, got "${args.port}"`);
      const buckets = args.bucket
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean);
      const directory = path.resolve(
        args.dir ?? path.join(process.env.XAPI_ETL_DATA_DIR || '.xapi-etl', 'local-s3'),
      );
      const s3 = await startLocalS3({ directory, port }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE')
          throw new InputError(`port ${port} is in use (another local-s3?): stop it, or pass --port`);
        throw error;
      });
      for (const b of buckets) await s3.createBucket(b);
      const c = s3.credentials;
      process.stdout.write(
        `local S3 on ${s3.endpoint}, bucket(s) ${buckets.join(', ')}, objects in ${directory}` +
          `${desAvailable() ? '' : ' (listings over 1,000 keys unavailable: no DES in this Node)'}\n` +
          `use it (in this shell, or another one):\n` +
          `  export AWS_ENDPOINT_URL_S3=${s3.endpoint} AWS_ACCESS_KEY_ID=${c.accessKeyId} ` +
          `AWS_SECRET_ACCESS_KEY=${c.secretAccessKey} S3_XAPI_BUCKET_NAME=${buckets[0] ?? 'xapi'}\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await s3.close();
      process.stdout.write('local S3 stopped\n');
    } catch (error) {
      reportError(error);
    }
  },
});
