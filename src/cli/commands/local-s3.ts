import fs from 'node:fs';
import path from 'node:path';
import { defineCommand } from 'citty';
import { InputError } from '../../errors.js';
import { readyFile, startInBackground, stopBackground } from '../../local-s3/background.js';
import { desAvailable, rerunWithLegacyProvider } from '../../local-s3/legacy-des.js';
import { startLocalS3 } from '../../local-s3/local-s3.js';
import { reportError } from '../run-command.js';

const CREDENTIALS = 'AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER';

export default defineCommand({
  meta: {
    name: 'local-s3',
    description:
      'Run a local S3 server (s3rver) to try xapi-etl on your machine; objects are kept on disk. Ctrl-C stops it, or run it with --background and stop it with --stop.',
  },
  args: {
    port: { type: 'string', description: 'Port on 127.0.0.1', default: '4569' },
    bucket: { type: 'string', description: 'Bucket(s) to create, comma-separated', default: 'xapi' },
    dir: {
      type: 'string',
      description: 'Where the objects are kept (default: local-s3/ in XAPI_ETL_DATA_DIR, .xapi-etl/)',
    },
    background: { type: 'boolean', description: 'Start it detached and return once it answers' },
    stop: { type: 'boolean', description: 'Stop the local S3 started with --background' },
  },
  async run({ args, rawArgs }) {
    try {
      const port = Number(args.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new InputError(`--port must be a port number, got "${args.port}"`);
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
        const argv = [
          process.argv[1] as string,
          'local-s3',
          ...rawArgs.filter((a) => a !== '--background'),
          ...(args.dir ? [] : ['--dir', directory]),
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
  },
});
