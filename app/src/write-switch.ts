import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { FastifyBaseLogger } from 'fastify';

/**
 * The region-local write switch. Starts at the configured default; when an SSM parameter is named, its value
 * (`on`/`off`) is polled and wins. A failed read keeps the last known value: the runbook fences writes by
 * writing `off`, and an SSM outage must not silently turn writes back on.
 */
export class WriteSwitch {
  private enabled: boolean;
  private timer?: NodeJS.Timeout;

  constructor(
    initial: boolean,
    private readonly logger: FastifyBaseLogger,
    private readonly parameter?: {
      readonly name: string;
      readonly ssm: Pick<SSMClient, 'send'>;
      readonly pollMs: number;
    },
  ) {
    this.enabled = initial;
  }

  static forRegion(region: string): Pick<SSMClient, 'send'> {
    return new SSMClient({ region });
  }

  get writesEnabled(): boolean {
    return this.enabled;
  }

  /** Reads the parameter once, then keeps polling it. */
  async start(): Promise<void> {
    if (!this.parameter) return;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.parameter.pollMs);
    this.timer.unref();
  }

  async refresh(): Promise<void> {
    if (!this.parameter) return;
    try {
      const out = await this.parameter.ssm.send(new GetParameterCommand({ Name: this.parameter.name }));
      const value = out.Parameter?.Value?.trim().toLowerCase();
      if (value !== 'on' && value !== 'off') {
        this.logger.error({ parameter: this.parameter.name, value }, 'write switch value is neither on nor off; kept');
        return;
      }
      if ((value === 'on') !== this.enabled)
        this.logger.warn({ writesEnabled: value === 'on' }, 'write switch changed');
      this.enabled = value === 'on';
    } catch (err) {
      this.logger.warn({ err, parameter: this.parameter.name }, 'write switch read failed; kept the last value');
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
