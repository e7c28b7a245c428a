// Runs tasks one at a time per key, in arrival order; tasks under different keys run freely.
// Used so that a check-then-create on one identifier cannot interleave with another on the
// same identifier across the awaits inside the repository.

export class KeyedQueue {
  #tails = new Map();

  async run(key, task) {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release;
    const turn = new Promise((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => turn);
    this.#tails.set(key, tail);

    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.#tails.get(key) === tail) {
        this.#tails.delete(key);
      }
    }
  }
}
