// The SubscriberInfo adapter: where the terminal SDK reads its SIM and secure-element facts.
// Platforms supply their own (Android TelephonyManager + OMAPI, iOS, a Linux modem through
// ModemManager in mmcliSubscriberInfo.ts); SimulatedSubscriberInfo serves tests and demos.
import type { SubscriberFacts } from '../../protocol/binding/simIdentifiers.ts';

export type { SubscriberFacts } from '../../protocol/binding/simIdentifiers.ts';

/** Reads the current facts; called for every registration and every sensitive request. */
export interface SubscriberInfo {
  read(): Promise<SubscriberFacts>;
}

/**
 * Facts held in memory and changed at will: swap the SIM or the secure element in a test.
 * @example
 * const sim = new SimulatedSubscriberInfo({ iccid: '8944110068256270054', imsi: '234104886708667', seSerial: 'SE00000001' });
 * sim.set({ iccid: '8944110068256270062' }); // a SIM swap
 */
export class SimulatedSubscriberInfo implements SubscriberInfo {
  #facts: SubscriberFacts;

  constructor(facts: SubscriberFacts) {
    this.#facts = { ...facts };
  }

  /** The facts now reported. */
  get facts(): SubscriberFacts {
    return { ...this.#facts };
  }

  /** Replaces some facts (e.g. a new SIM: iccid and imsi). */
  set(change: Partial<SubscriberFacts>): void {
    this.#facts = { ...this.#facts, ...change };
  }

  async read(): Promise<SubscriberFacts> {
    return { ...this.#facts };
  }
}
