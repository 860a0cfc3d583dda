import fs from 'node:fs';

/**
 * Peak memory of this process. chDB runs in-process and chDB has no system.query_log, so the engine's
 * peak is the process's peak RSS: Linux keeps it as VmHWM, and writing 5 to clear_refs resets it, so a
 * measurement sees only its own timed section. A 20 ms RSS sampler is the fallback where that fails.
 */
export class PeakRss {
  #sampled = 0;
  #timer: NodeJS.Timeout | undefined;
  #hwmReset = false;

  start(): void {
    try {
      fs.writeFileSync('/proc/self/clear_refs', '5');
      this.#hwmReset = true;
    } catch {
      this.#hwmReset = false;
    }
    this.#sampled = process.memoryUsage.rss();
    this.#timer = setInterval(() => {
      this.#sampled = Math.max(this.#sampled, process.memoryUsage.rss());
    }, 20);
    this.#timer.unref();
  }

  stop(): number {
    clearInterval(this.#timer);
    this.#sampled = Math.max(this.#sampled, process.memoryUsage.rss());
    const hwm = this.#hwmReset ? vmHwmBytes() : 0;
    return Math.max(hwm, this.#sampled);
  }
}

/** Peak RSS since start (or the last reset) of a process, from /proc. */
export function vmHwmBytes(pid: number | 'self' = 'self'): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
