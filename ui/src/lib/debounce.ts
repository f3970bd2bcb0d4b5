// Coalesces bursts of calls into one, at most every `ms` (the first call of a
// quiet period runs after `ms`; calls during the wait join it). Live events can
// come by the hundred; the page reloads once.
export interface Debounced {
  (): void;
  cancel(): void;
}

export function coalesce(run: () => void, ms: number): Debounced {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      run();
    }, ms);
  };
  call.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return call;
}
