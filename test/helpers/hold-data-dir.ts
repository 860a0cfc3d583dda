/**
 * Test helper process: holds an embedded data directory (as a long xapi-etl command would) until it
 * gets SIGTERM. Usage: node --import tsx hold-data-dir.ts DATA_DIR → prints `HOLDING` once it holds it.
 */
import { openEmbeddedClient } from '../../src/engine/embedded-connection.js';

const client = await openEmbeddedClient(process.argv[2] as string, { lockWaitMs: 0 });
await client.query({ query: 'SELECT 1', format: 'JSONEachRow' });
process.stdout.write('HOLDING\n');
process.on('SIGTERM', async () => {
  await client.close();
  process.exit(0);
});
setInterval(() => undefined, 1000);
