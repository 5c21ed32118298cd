/**
 * Group commit: concurrent requests for the same kind of write go out together. While
 * `maxInFlight` batches are on their way, new requests wait and leave together in the next
 * batch, as many as `fits` allows. A request that finds a free slot leaves at once, so nothing
 * ever waits for a timer: alone, a request costs one call as before; under load, N requests cost
 * about N / batch size calls. (A Lambda instance of the API serves one request at a time, so its
 * batches hold one request; the worker's batches and a long-running API process fill them.)
 */
export class Coalescer<In, Out> {
  private readonly waiting: { input: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly options: {
      maxInFlight: number;
      /** Whether `next` may join `batch` (limits of the call: items, bytes, distinct keys). */
      fits: (batch: readonly In[], next: In) => boolean;
      /** Writes a batch; one settled result per input, in order. */
      run: (batch: readonly In[]) => Promise<PromiseSettledResult<Out>[]>;
    },
  ) {}

  add(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = [this.waiting.shift()!];
      const inputs = [batch[0]!.input];
      // First come, first served: the batch closes at the first request that does not fit.
      while (this.waiting.length > 0 && this.options.fits(inputs, this.waiting[0]!.input)) {
        const next = this.waiting.shift()!;
        batch.push(next);
        inputs.push(next.input);
      }
      this.inFlight += 1;
      this.options
        .run(inputs)
        .then(
          (results) =>
            batch.forEach((entry, i) => {
              const result = results[i];
              if (result?.status === "fulfilled") entry.resolve(result.value);
              else entry.reject(result ? result.reason : new Error("no result for a batched request"));
            }),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.dispatch();
        });
    }
  }
}
