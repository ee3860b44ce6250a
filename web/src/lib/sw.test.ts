import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Fakes of the parts of the Service Worker API the client uses.
class Emitter {
  private l = new Map<string, Array<() => void>>();
  addEventListener(t: string, f: () => void) {
    this.l.set(t, [...(this.l.get(t) ?? []), f]);
  }
  emit(t: string) {
    for (const f of this.l.get(t) ?? []) f();
  }
}
class FakeWorker extends Emitter {
  state = 'installing';
  posted: unknown[] = [];
  postMessage(m: unknown) {
    this.posted.push(m);
  }
}
class FakeRegistration extends Emitter {
  waiting: FakeWorker | null = null;
  installing: FakeWorker | null = null;
  update = vi.fn(async () => {});
}
class FakeContainer extends Emitter {
  controller: object | null = null;
  reg = new FakeRegistration();
  register = vi.fn(async () => this.reg);
}

let sw: FakeContainer;
const reload = vi.fn();

beforeEach(() => {
  vi.resetModules();
  sw = new FakeContainer();
  reload.mockReset();
  vi.stubGlobal('navigator', { serviceWorker: sw });
  vi.stubGlobal('location', { reload });
  vi.stubGlobal('document', Object.assign(new Emitter(), { visibilityState: 'visible' }));
});
afterEach(() => vi.unstubAllGlobals());

async function load() {
  const m = await import('./sw');
  await m.registerServiceWorker();
  return m;
}

describe('service worker updates', () => {
  it('the first install offers nothing and never reloads', async () => {
    const m = await load();
    const w = new FakeWorker();
    sw.reg.installing = w;
    sw.reg.emit('updatefound');
    w.state = 'installed';
    w.emit('statechange');
    sw.emit('controllerchange'); // clients.claim()
    expect(m.updateWaiting()).toBeNull();
    expect(reload).not.toHaveBeenCalled();
  });

  it('a new build is offered; the page reloads only once the person applies it', async () => {
    sw.controller = {};
    const m = await load();
    const seen = vi.fn();
    m.onUpdate(seen);
    const w = new FakeWorker();
    sw.reg.installing = w;
    sw.reg.emit('updatefound');
    w.state = 'installed';
    w.emit('statechange');
    expect(seen).toHaveBeenCalledOnce();
    const apply = m.updateWaiting();
    expect(apply).not.toBeNull();
    expect(reload).not.toHaveBeenCalled();
    apply!();
    expect(w.posted).toEqual([{ type: 'skip-waiting' }]);
    sw.emit('controllerchange');
    expect(reload).toHaveBeenCalledOnce();
  });

  it('a worker already waiting at load is offered at once', async () => {
    sw.controller = {};
    sw.reg.waiting = new FakeWorker();
    const m = await load();
    expect(m.updateWaiting()).not.toBeNull();
  });

  it('looks for a new build when the page is shown again', async () => {
    await load();
    (document as unknown as Emitter).emit('visibilitychange');
    expect(sw.reg.update).toHaveBeenCalledOnce();
  });
});
