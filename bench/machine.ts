import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './spawn.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  chdbPackage: string;
  clickhouseClient: string;
  tsx: string;
}

function packageVersion(name: string): string {
  try {
    const file = path.join(ROOT, 'node_modules', name, 'package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chdbPackage: packageVersion('chdb'),
    clickhouseClient: packageVersion('@clickhouse/client'),
    tsx: packageVersion('tsx'),
  };
}

/** The machine's load averages (1, 5, 15 min): other work on a shared machine skews timings. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}
