import vscode = require('vscode');

/** Base for everything that owns listeners, emitters or timers: `_register` them, dispose once. */
export abstract class Disposable implements vscode.Disposable {
  #items: vscode.Disposable[] = [];
  #disposed = false;

  protected _register<T extends vscode.Disposable>(d: T): T {
    if (this.#disposed) {
      d.dispose();
    } else {
      this.#items.push(d);
    }
    return d;
  }

  protected get isDisposed(): boolean {
    return this.#disposed;
  }

  dispose(): void {
    if (this.#disposed) {
      return;
    }
    this.#disposed = true;
    while (this.#items.length) {
      this.#items.pop()!.dispose();
    }
  }
}

/** A disposable that runs `fn` once. */
export function toDisposable(fn: () => void): vscode.Disposable {
  let done = false;
  return {
    dispose() {
      if (!done) {
        done = true;
        fn();
      }
    },
  };
}
