import fs from 'node:fs';
import { generateData, writeLocalFile } from '/work/main/bench/data.ts';
import { runChild, tempDir } from '/work/main/bench/spawn.ts';
const data = generateData(20000);
const dir = tempDir('data');
const file = writeLocalFile(data, dir);
console.log(file, data.bytes);
for (const scenario of (process.argv[2] ?? 'raw,full,per-column,naive').split(',')) {
  const dataDir = tempDir('ch');
  try {
    const r = await runChild('bench/child.ts', [JSON.stringify({ scenario, source: { kind: 'file', path: file }, dataDir })], {});
    console.log(scenario, JSON.stringify(r));
  } catch (e) { console.log(scenario, (e as Error).message); }
  fs.rmSync(dataDir, { recursive: true, force: true });
}
fs.rmSync(dir, { recursive: true, force: true });
