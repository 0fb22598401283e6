import { isSourceStateFor, newSourceState, type SourceState } from "./adapter-source.js";

/**
 * What every adapter source shares: the watched path and the state that is
 * persisted between runs (see {@link SourceState}).
 */
export abstract class PersistentSource<Run> {
  protected state: SourceState<Run>;

  constructor(
    /** Absolute path of what is watched. */
    readonly target: string,
  ) {
    this.state = newSourceState<Run>(target);
  }

  /** The state to persist, as plain JSON. */
  exportState(): unknown {
    return this.state;
  }

  /** Restores a persisted state; returns false (and keeps a fresh state) when it was made for another path. */
  importState(state: unknown): boolean {
    if (!isSourceStateFor(state, this.target)) return false;
    this.state = state as SourceState<Run>;
    return true;
  }
}
