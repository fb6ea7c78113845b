import { realClock } from './clock.js';

/** How long past its deadline a call that never settled still holds its slot. */
const SLOT_TTL_MS = 1000;

export interface Slot {
  readonly dueAt: number;
}

/**
 * Caps the runtime calls in flight at once. When the runtime hangs under a burst, starting
 * every call would spend the event loop opening sockets that cannot answer in time and make
 * every decision late; the rest wait here, oldest first, and one whose deadline passes while
 * waiting is never resumed (its deadline decides it). A slot is freed when its call settles,
 * and in any case SLOT_TTL_MS after its deadline: a call that never settles (a request the
 * platform cancelled, a transport that ignores the abort) must not hold a slot for ever.
 */
export class InFlightLimiter {
  private readonly slots = new Set<Slot>();
  private readonly waiting = new Set<{ slot: Slot; resolve: (slot: Slot) => void }>();

  constructor(
    private readonly max: number,
    private readonly clock: () => number = realClock,
  ) {}

  /** Calls holding a slot. */
  get size(): number {
    return this.slots.size;
  }

  /** A slot now, or a promise of one that never settles if the deadline passes first. */
  acquire(dueAt: number): Slot | Promise<Slot> {
    const slot: Slot = { dueAt };
    if (this.slots.size < this.max && this.waiting.size === 0) {
      this.slots.add(slot);
      return slot;
    }
    // Queued, then admitted at once if expired slots make room.
    const queued = new Promise<Slot>((resolve) => this.waiting.add({ slot, resolve }));
    this.admit();
    return queued;
  }

  /** Idempotent: releasing a slot twice, or an expired one, frees nothing more. */
  release(slot: Slot): void {
    if (this.slots.delete(slot)) this.admit();
  }

  private admit() {
    const t = this.clock();
    if (this.slots.size >= this.max) {
      for (const slot of this.slots) if (slot.dueAt + SLOT_TTL_MS <= t) this.slots.delete(slot);
    }
    for (const next of this.waiting) {
      if (next.slot.dueAt > t && this.slots.size >= this.max) return;
      this.waiting.delete(next);
      if (next.slot.dueAt > t) {
        this.slots.add(next.slot);
        next.resolve(next.slot);
      }
    }
  }
}
