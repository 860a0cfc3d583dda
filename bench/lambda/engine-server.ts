import fs from 'node:fs';
import { startEngineHttpFront } from '../../test/helpers/engine-http-front.js';
import { vmHwmBytes } from '../memory.js';
import { tempDir } from '../spawn.js';

export interface EngineServer {
  url: string;
  /** Peak RSS of the engine process since it was ready. */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

/**
 * chDB behind a ClickHouse HTTP interface in a process of its own (the tests' engine front), on a copy of
 * the migrated template: the built Lambda handler then reaches "a server" over HTTP, as in AWS, and the
 * handler process's memory is the coordinator's alone.
 */
export async function startEngineServer(template: string): Promise<EngineServer> {
  const dataDir = tempDir('server-ch');
  fs.cpSync(template, dataDir, { recursive: true });
  const front = await startEngineHttpFront({ dataDir, password: '' });
  return {
    url: front.url,
    peakRssBytes: () => vmHwmBytes(front.pid),
    async stop() {
      await front.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
