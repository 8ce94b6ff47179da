/**
 * Runs `work` every `intervalMs` while `active()` holds, never two runs at once (a run that outlasts the
 * interval makes the next tick skip). The timer does not keep the process alive. `work` handles its own errors.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly active: () => boolean = () => true,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running || !this.active()) return;
      this.running = this.work().finally(() => {
        this.running = undefined;
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for the run in progress, if any. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
