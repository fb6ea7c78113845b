/**
 * What a transport listens to for one runtime call's abort. An EventEmitter-style `once`
 * (undici accepts it as a `signal`) that costs nothing to create: on Node an `AbortSignal`
 * costs several microseconds per request, more than some whole steps of a decision.
 */
export interface AbortEmitter {
  readonly aborted: boolean;
  on(event: 'abort', listener: () => void): unknown;
  once(event: 'abort', listener: () => void): unknown;
  removeListener(event: 'abort', listener: () => void): unknown;
}

/** One runtime call's abort. Its `AbortSignal` exists only if a transport reads `signal`. */
export class CallAbort implements AbortEmitter {
  aborted = false;
  private listeners: (() => void)[] | undefined;
  private controller: AbortController | undefined;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }

  on(_event: 'abort', listener: () => void): this {
    if (this.aborted) listener();
    else if (this.listeners) this.listeners.push(listener);
    else this.listeners = [listener];
    return this;
  }

  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: () => void): this {
    const i = this.listeners?.indexOf(listener) ?? -1;
    if (i !== -1) this.listeners!.splice(i, 1);
    return this;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    this.controller?.abort();
    if (listeners) for (const listener of listeners) listener();
  }
}
