// Stage progress on stderr for steps that can take more than a second: drawn
// only on a TTY (never into pipes or files), cleared when done.
export class Progress {
  readonly #enabled: boolean;
  readonly #stages: number;
  #stage = 0;

  constructor(stages: number, enabled = Boolean(process.stderr.isTTY) && !process.env.CI) {
    this.#stages = stages;
    this.#enabled = enabled;
  }

  step(label: string): void {
    this.#stage = Math.min(this.#stage + 1, this.#stages);
    if (!this.#enabled) return;
    const width = 20;
    const filled = Math.round((this.#stage / this.#stages) * width);
    process.stderr.write(`\r\u001b[2K[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${label}`);
  }

  /** Clears the bar so that a line can be printed; the next step() redraws it. */
  clear(): void {
    if (this.#enabled) process.stderr.write('\r\u001b[2K');
  }

  done(): void {
    if (this.#enabled) process.stderr.write('\r\u001b[2K');
  }
}
