import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { vmHwmBytes } from '../memory.js';
import { ROOT, tempDir } from '../spawn.js';

export interface EngineServer {
  url: string;
  /** Peak RSS of the engine process since it was ready. */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

/** Starts chDB behind the minimal HTTP interface (clickhouse-http.ts) in its own process. */
export async function startEngineServer(database: string, template: string): Promise<EngineServer> {
  const dataDir = tempDir('server-ch');
  fs.cpSync(template, dataDir, { recursive: true });
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/lambda/clickhouse-http.ts', dataDir, database],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) resolve((JSON.parse(line.slice(7)) as { port: number }).port);
    });
    child.on('exit', (code) => reject(new Error(`engine server exited ${code}: ${stderr.slice(-2000)}`)));
  });
  child.on('exit', (code, signal) => {
    if (signal !== 'SIGKILL')
      process.stderr.write(`engine server exited (${code ?? signal}):\n${stderr.slice(-3000)}\n`);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    peakRssBytes: () => vmHwmBytes(child.pid as number),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
