/**
 * The state of a user action that calls the shell: busy while it runs, and the
 * error it ended with (shown inline by ErrorNote).
 */
export class Pending {
  busy = $state(false);
  error: unknown = $state(null);

  /** Runs `action`; true when it succeeded, false when it failed (the error is kept). */
  async run(action: () => Promise<unknown>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      await action();
      return true;
    } catch (e) {
      this.error = e;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
