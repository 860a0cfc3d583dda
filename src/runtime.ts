import type { AppConfig } from './config/env.js';
import { createEngine, type EngineOptions } from './engine/create-engine.js';
import { createS3Client } from './plan/s3-client.js';
import type { Runtime } from './runtime-types.js';
import { type MigrateEvent, type MigrateResult, migrate } from './upgrade/migrate.js';

export type { Runtime } from './runtime-types.js';

export interface RuntimeOptions extends EngineOptions {
  /**
   * The embedded engine is this machine's own: bring its schema up to date on open (default true), so a
   * new data directory just works. A server is never migrated implicitly (`xapi-etl migrate` does it).
   */
  migrateEmbedded?: boolean;
  /** What that migration is doing (an upgrade of a large data directory moves and rebuilds: minutes). */
  onMigrateEvent?: (e: MigrateEvent) => void;
}

export async function createRuntime(config: AppConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const engine = await createEngine(config, options);
  let migrated: MigrateResult | undefined;
  if (engine.kind === 'embedded' && options.migrateEmbedded !== false) {
    try {
      const result = await migrate(engine.client, { target: engine.schema, onEvent: options.onMigrateEvent });
      if (result.applied.length > 0) migrated = result;
    } catch (error) {
      await engine.close().catch(() => undefined);
      throw error;
    }
  }
  const s3 = createS3Client(config.s3);
  return {
    config,
    engine,
    s3,
    ...(migrated ? { migrated } : {}),
    close: async () => {
      s3.destroy();
      await engine.close();
    },
  };
}
