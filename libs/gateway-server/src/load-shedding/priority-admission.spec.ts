import { resolveLoadShedding, type LoadSheddingOptions } from './load-shedding.options';
import { levelOf, PriorityAdmission, type UpstreamLoad } from './priority-admission';

const FREE = 0;
const TEAM = 1;
const ENTERPRISE = 2;

function admission(options: LoadSheddingOptions = {}): PriorityAdmission {
  return new PriorityAdmission(resolveLoadShedding({ maxInFlightPerUpstream: 20, ...options }, 256), 3);
}

/** Admits `n` requests of a class; returns how many got a slot. */
function burst(a: PriorityAdmission, upstream: UpstreamLoad, cls: number, n: number): number {
  let admitted = 0;
  for (let i = 0; i < n; i++) if (a.admit(upstream, cls)) admitted++;
  return admitted;
}

describe('PriorityAdmission: bounded concurrency with reserved slots', () => {
  it('caps each class at its share of the upstream limit (defaults 0.5 / 0.85 / 1)', () => {
    const a = admission();
    const u = a.addUpstream('u');
    expect(a.upstreamCaps).toEqual([10, 17, 20]);
    expect(burst(a, u, FREE, 50)).toBe(10);
    expect(burst(a, u, TEAM, 50)).toBe(7);
    expect(burst(a, u, ENTERPRISE, 50)).toBe(3);
    expect(u.inFlight).toBe(20);
    expect(a.inFlight).toBe(20);
  });

  it('keeps the team reserve whatever order requests arrive in', () => {
    const a = admission();
    const u = a.addUpstream('u');
    // Free first fills only its share; team still finds the 7 slots between 0.5 and 0.85.
    burst(a, u, FREE, 100);
    expect(burst(a, u, TEAM, 7)).toBe(7);
    // Team first may use free's room too; free then finds the upstream past its share.
    const b = admission();
    const v = b.addUpstream('v');
    expect(burst(b, v, TEAM, 100)).toBe(17);
    expect(burst(b, v, FREE, 100)).toBe(0);
    expect(burst(b, v, ENTERPRISE, 100)).toBe(3);
  });

  it('makes free yield to the slots higher plans are using', () => {
    const a = admission();
    const u = a.addUpstream('u');
    expect(burst(a, u, TEAM, 5)).toBe(5);
    expect(burst(a, u, ENTERPRISE, 2)).toBe(2);
    expect(burst(a, u, FREE, 100)).toBe(3);
    expect(u.byClass).toEqual([3, 5, 2]);
    expect(burst(a, u, TEAM, 100)).toBe(7);
  });

  it('gives a freed slot back to the class that may use it', () => {
    const a = admission();
    const u = a.addUpstream('u');
    burst(a, u, FREE, 10);
    expect(a.admit(u, FREE)).toBe(false);
    a.release(u, FREE, 200, 100);
    expect(a.admit(u, FREE)).toBe(true);
  });

  it('applies the replica-wide total limit across upstreams', () => {
    const a = admission({ maxInFlightPerUpstream: 100, maxInFlightTotal: 10 });
    const u = a.addUpstream('u');
    const v = a.addUpstream('v');
    expect(burst(a, u, FREE, 3) + burst(a, v, FREE, 3)).toBe(5);
    expect(burst(a, v, ENTERPRISE, 10)).toBe(5);
    a.release(v, FREE, 200, 10);
    expect(a.byClass).toEqual([4, 0, 5]);
  });

  it('sheds nothing when disabled, and still counts in flight', () => {
    const a = admission({ enabled: false });
    const u = a.addUpstream('u');
    expect(burst(a, u, FREE, 500)).toBe(500);
    a.sample(10_000);
    expect(a.admit(u, FREE)).toBe(true);
    expect(u.inFlight).toBe(501);
  });

  it('maps plan priorities to classes (unknown → lowest, beyond → highest)', () => {
    const a = admission();
    expect([undefined, -1, 0, 1, 2, 7].map((p) => a.classOf(p))).toEqual([0, 0, 0, 1, 2, 2]);
  });
});

describe('PriorityAdmission: pressure from the event loop, 429s and latency', () => {
  it('levels a signal against its two thresholds', () => {
    expect([0, 99, 100, 299, 300, 5000].map((v) => levelOf(v, [100, 300]))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  /** A window with traffic: `n` enterprise requests ask for a slot and finish, then the window closes. */
  function busyWindow(a: PriorityAdmission, u: UpstreamLoad, delayMs: number, n = 10): void {
    for (let i = 0; i < n; i++) if (a.admit(u, ENTERPRISE)) a.release(u, ENTERPRISE, 200, 0);
    a.sample(delayMs);
  }

  it('event-loop delay closes free at level 1, team at level 2, never enterprise; decays a level per window', () => {
    const a = admission();
    const u = a.addUpstream('u');
    busyWindow(a, u, 150);
    expect(a.admit(u, FREE)).toBe(true); // one slow window alone is not saturation
    a.release(u, FREE, 200, 0);
    busyWindow(a, u, 150);
    expect([a.admit(u, FREE), a.admit(u, TEAM), a.admit(u, ENTERPRISE)]).toEqual([false, true, true]);
    expect(a.shedByPressure(u, FREE)).toBe(true);
    busyWindow(a, u, 400);
    busyWindow(a, u, 400);
    expect([a.admit(u, FREE), a.admit(u, TEAM), a.admit(u, ENTERPRISE)]).toEqual([false, false, true]);
    busyWindow(a, u, 0); // level 2 → 1
    expect([a.admit(u, FREE), a.admit(u, TEAM)]).toEqual([false, true]);
    busyWindow(a, u, 0); // 1 → 0
    expect(a.admit(u, FREE)).toBe(true);
  });

  it('ignores event-loop delay without traffic (start-up, a compile) and a single slow window', () => {
    const a = admission();
    const u = a.addUpstream('u');
    a.sample(5_000);
    a.sample(5_000);
    a.sample(5_000);
    expect(a.loopLevel).toBe(0);
    busyWindow(a, u, 5_000);
    busyWindow(a, u, 0);
    busyWindow(a, u, 5_000);
    expect(a.loopLevel).toBe(0);
    expect(a.admit(u, FREE)).toBe(true);
  });

  it('upstream 429s raise that upstream’s pressure only, and only with enough samples', () => {
    const a = admission();
    const u = a.addUpstream('u');
    const v = a.addUpstream('v');
    for (let i = 0; i < 5; i++) u.record(429, 50); // 5 < minSamples: one test's 429s do not shed anyone
    a.sample(0);
    expect(a.pressure(u)).toBe(0);
    for (let i = 0; i < 20; i++) u.record(i < 3 ? 429 : 200, 50); // 15%
    a.sample(0);
    expect(a.pressure(u)).toBe(1);
    expect(a.admit(u, FREE)).toBe(false);
    expect(a.admit(v, FREE)).toBe(true);
    for (let i = 0; i < 20; i++) u.record(i < 12 ? 429 : 200, 50); // 60%
    a.sample(0);
    expect(a.pressure(u)).toBe(2);
    expect([a.admit(u, TEAM), a.admit(u, ENTERPRISE)]).toEqual([false, true]);
  });

  it('counts rising latency only while the upstream is busy', () => {
    const a = admission({ maxInFlightPerUpstream: 20 });
    const u = a.addUpstream('u');
    for (let i = 0; i < 50; i++) u.record(200, 100);
    for (let i = 0; i < 10; i++) u.record(200, 1_000); // fast EWMA ~900 ms vs baseline ~250 ms
    expect(u.latencyFastMs / u.latencyBaseMs).toBeGreaterThan(3);
    a.sample(0);
    expect(a.pressure(u)).toBe(0); // idle upstream: a slow model, not saturation
    burst(a, u, ENTERPRISE, 5); // 5 ≥ 0.25 × 20
    a.sample(0);
    expect(a.pressure(u)).toBeGreaterThanOrEqual(1);
    expect(a.admit(u, FREE)).toBe(false);
  });

  it('suggests Retry-After of about one upstream call, within bounds', () => {
    const a = admission({ retryAfterSeconds: [1, 30] });
    const u = a.addUpstream('u');
    expect(a.retryAfterSeconds(u, false)).toBe(1);
    u.record(200, 4_200);
    expect(a.retryAfterSeconds(u, false)).toBe(5);
    u.record(200, 600_000);
    expect(a.retryAfterSeconds(u, false)).toBe(30);
  });
});
