import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { importOptional } from '../../optional-package.js';

/**
 * A real S3 protocol server (s3rver) on a free loopback port, for the demo and the tests. It also emits
 * S3 event-notification records on upload, as S3 → Lambda would.
 */
export interface LocalS3 {
  endpoint: string;
  port: number;
  client: S3Client;
  /** Credentials s3rver accepts; ClickHouse gets them as s3() arguments. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: string | Uint8Array): Promise<string>;
  /** Registers a listener for s3rver's S3 event notifications (ObjectCreated:*). */
  onObjectCreated(listener: (event: S3NotificationEvent) => void): void;
  close(): Promise<void>;
}

export interface S3NotificationEvent {
  Records: {
    eventSource: string;
    eventName: string;
    s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  }[];
}

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startLocalS3(options: { directory?: string; port?: number } = {}): Promise<LocalS3> {
  const directory = options.directory ?? fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-s3-'));
  fs.mkdirSync(directory, { recursive: true });
  const { default: S3rver } = await importOptional('s3rver', 'The local S3', () => import('s3rver'));
  const server = new S3rver({ address: '127.0.0.1', port: options.port ?? 0, silent: true, directory });
  const { port } = (await server.run()) as unknown as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
  return {
    endpoint,
    port,
    client,
    credentials: CREDENTIALS,
    async createBucket(name) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } catch (error) {
        if (
          (error as Error).name !== 'BucketAlreadyOwnedByYou' &&
          (error as Error).name !== 'BucketAlreadyExists'
        ) {
          throw error;
        }
      }
    },
    async put(bucket, key, body) {
      const out = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      return (out.ETag ?? '').replace(/"/g, '');
    },
    onObjectCreated(listener) {
      server.on('event', (event: S3NotificationEvent) => {
        if (event.Records?.[0]?.eventName?.startsWith('ObjectCreated')) listener(event);
      });
    },
    async close() {
      client.destroy();
      await server.close();
    },
  };
}
