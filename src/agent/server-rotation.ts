// Which of the agent's server addresses to use next. The agent keeps to the
// address that works; when it stops working (a failed call, a stream ended by
// the server, a Drain) the agent moves on to the next one, wrapping around.
// A round is complete once every address has failed since the last success:
// that is when the reconnect policy grows its backoff, so several addresses
// are tried promptly in turn but a fleet whose servers are all down does not
// hammer them. Pure: no I/O, no time.

export class ServerRotation {
  private readonly addresses: readonly string[];
  private index = 0;
  /** Moves since the last success. */
  private failedInRound = 0;

  constructor(addresses: string | readonly string[]) {
    const list = typeof addresses === 'string' ? [addresses] : [...addresses];
    if (list.length === 0) throw new RangeError('at least one server address is needed');
    if (list.some((address) => address.length === 0)) throw new RangeError('a server address is empty');
    // The same address twice would only make a round longer.
    this.addresses = [...new Set(list)];
  }

  /** The address to use now. */
  get current(): string {
    return this.addresses[this.index] as string;
  }

  get size(): number {
    return this.addresses.length;
  }

  get all(): readonly string[] {
    return this.addresses;
  }

  /** Whether `address` is one of the agent's addresses. */
  includes(address: string): boolean {
    return this.addresses.includes(address);
  }

  /**
   * The current address stopped working: moves to the next one. Returns true
   * when this completes a round, every address having failed in turn since the
   * last success (with one address, every move does).
   */
  advance(): boolean {
    this.index = (this.index + 1) % this.addresses.length;
    this.failedInRound += 1;
    if (this.failedInRound < this.addresses.length) return false;
    this.failedInRound = 0;
    return true;
  }

  /** The current address worked (an enrollment, a ConnectAck): a new round starts from it. */
  succeeded(): void {
    this.failedInRound = 0;
  }
}
