import { describe, expect, it, vi } from 'vitest';
import { commands, events } from './bindings';
import { on } from './events';
import { ipc, IpcFailure, type IpcError } from './ipc';

vi.mock('./bindings', () => ({
  commands: {
    agenda: vi.fn(),
    removeSource: vi.fn(),
    openWindow: vi.fn(),
    takeShownEvent: vi.fn(),
    setMyAddresses: vi.fn(),
    setJoinShortcut: vi.fn(),
  },
  events: { mirrorChanged: { listen: vi.fn() }, showEvent: { listen: vi.fn() } },
}));

describe('ipc facade', () => {
  it('has one method per generated command, and no other', () => {
    expect(Object.keys(ipc).sort()).toEqual(Object.keys(commands).sort());
  });

  it('unwraps ok results and passes the arguments through', async () => {
    const agenda = { from: 'a', to: 'b', entries: [], query_ms: 2 };
    vi.mocked(commands.agenda).mockResolvedValue({ status: 'ok', data: agenda });
    await expect(ipc.agenda(10, 20)).resolves.toBe(agenda);
    expect(commands.agenda).toHaveBeenCalledWith(10, 20);
  });

  it('throws an IpcFailure with the code and message of an error result', async () => {
    vi.mocked(commands.removeSource).mockResolvedValue({ status: 'error', error: { code: 'no_such_source', message: 'No source 9', detail: null } });
    const failure = await ipc.removeSource(9).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IpcFailure);
    expect(failure).toMatchObject({ code: 'no_such_source', message: 'No source 9', detail: null });
  });

  it('folds errors that are not ours (a string, a thrown Error) into code "ipc"', async () => {
    // What Tauri rejects with when a capability is missing: a plain string.
    vi.mocked(commands.openWindow).mockResolvedValue({
      status: 'error',
      error: 'open_window not allowed' as unknown as IpcError,
    });
    await expect(ipc.openWindow('agenda')).rejects.toMatchObject({ code: 'ipc', message: 'open_window not allowed', detail: null });
    vi.mocked(commands.openWindow).mockRejectedValue(new TypeError('bridge missing'));
    await expect(ipc.openWindow('agenda')).rejects.toMatchObject({ code: 'ipc', message: 'bridge missing', detail: null });
  });
});

describe('addresses, shortcut and shown events', () => {
  it('passes null through to turn the shortcut off and returns the settings', async () => {
    const off = { shortcut: null, default_shortcut: 'Ctrl+Alt+J', active: false, error: null };
    vi.mocked(commands.setJoinShortcut).mockResolvedValue({ status: 'ok', data: off });
    await expect(ipc.setJoinShortcut(null)).resolves.toBe(off);
    expect(commands.setJoinShortcut).toHaveBeenCalledWith(null);
  });

  it('keeps the code of a refused address or shortcut', async () => {
    vi.mocked(commands.setMyAddresses).mockResolvedValue({
      status: 'error',
      error: { code: 'invalid_input', message: 'address 1 ("x") is not an e-mail address like name@example.com', detail: null },
    });
    await expect(ipc.setMyAddresses(['x'])).rejects.toMatchObject({ code: 'invalid_input' });
    vi.mocked(commands.setJoinShortcut).mockResolvedValue({
      status: 'error',
      error: { code: 'shortcut_unavailable', message: 'no X11 display', detail: null },
    });
    await expect(ipc.setJoinShortcut('Ctrl+Alt+J')).rejects.toMatchObject({ code: 'shortcut_unavailable', message: 'no X11 display', detail: null });
  });

  it('takes the shown event, null when none is waiting', async () => {
    vi.mocked(commands.takeShownEvent).mockResolvedValueOnce({ status: 'ok', data: { event_id: 4, occurrence_start: 100 } });
    vi.mocked(commands.takeShownEvent).mockResolvedValueOnce({ status: 'ok', data: null });
    await expect(ipc.takeShownEvent()).resolves.toEqual({ event_id: 4, occurrence_start: 100 });
    await expect(ipc.takeShownEvent()).resolves.toBeNull();
  });

  it('delivers show-event payloads', async () => {
    let deliver: (e: { payload: { event_id: number; occurrence_start: number } }) => void = () => undefined;
    vi.mocked(events.showEvent.listen).mockImplementation((cb) => {
      deliver = cb as typeof deliver;
      return Promise.resolve(() => undefined);
    });
    const seen: number[] = [];
    const stop = on('showEvent', (p) => seen.push(p.event_id));
    deliver({ payload: { event_id: 4, occurrence_start: 100 } });
    stop();
    deliver({ payload: { event_id: 5, occurrence_start: 200 } });
    expect(seen).toEqual([4]);
  });
});

describe('event subscriptions', () => {
  it('delivers payloads and unlistens, even when stopped before registration finished', async () => {
    const unlisten = vi.fn();
    let deliver: (e: { payload: { reason: string } }) => void = () => undefined;
    let registered: (fn: () => void) => void = () => undefined;
    vi.mocked(events.mirrorChanged.listen).mockImplementation((cb) => {
      deliver = cb as typeof deliver;
      return new Promise((resolve) => (registered = resolve));
    });
    const seen: string[] = [];
    const stop = on('mirrorChanged', (p) => seen.push(p.reason));
    deliver({ payload: { reason: 'sync' } });
    expect(seen).toEqual(['sync']);

    stop();
    deliver({ payload: { reason: 'late' } });
    expect(seen).toEqual(['sync']);
    registered(unlisten);
    await Promise.resolve();
    expect(unlisten).toHaveBeenCalledTimes(1);
  });
});
