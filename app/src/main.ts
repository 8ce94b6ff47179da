import { ConfigError, loadConfig } from './config';
import { createService } from './service';

/** Entry point on the fleet: config from the environment, migrations, listen, drain on SIGTERM. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78); // EX_CONFIG: systemd shows the reason and does not mistake it for a crash loop
  }

  const service = await createService(config);
  const shutdown = (signal: string) => {
    service.logger.info({ signal }, 'shutting down: draining requests');
    const force = setTimeout(() => {
      service.logger.error('drain took too long; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    service.close().then(
      () => {
        service.logger.info('shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        service.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  const address = await service.app.listen({ port: config.port, host: '0.0.0.0' });
  service.logger.info({ address, tls: config.tls !== undefined }, 'listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`photo-api failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
