import { describe, expect, it, vi } from 'vitest';
import { commands, events } from './bindings';
import { onMirrorChanged } from './events';
import { ipc, IpcFailure } from './ipc';

vi.mock('./bindings', () => ({
  commands: {
    agenda: vi.fn(),
    removeSource: vi.fn(),
    openWindow: vi.fn(),
  },
  events: { mirrorChanged: { listen: vi.fn() } },
}));

describe('ipc facade', () => {
  it('unwraps ok results and passes the arguments through', async () => {
    const agenda = { from: 'a', to: 'b', entries: [], query_ms: 2 };
    vi.mocked(commands.agenda).mockResolvedValue({ status: 'ok', data: agenda });
    await expect(ipc.agenda(10, 20)).resolves.toBe(agenda);
    expect(commands.agenda).toHaveBeenCalledWith(10, 20);
  });

  it('throws an IpcFailure with the code and message of an error result', async () => {
    vi.mocked(commands.removeSource).mockResolvedValue({ status: 'error', error: { code: 'not_found', message: 'No source 9' } });
    const failure = await ipc.removeSource(9).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IpcFailure);
    expect(failure).toMatchObject({ code: 'not_found', message: 'No source 9' });
  });

  it('folds errors that are not ours (a string, a thrown Error) into code "ipc"', async () => {
    // What Tauri rejects with when a capability is missing: a plain string.
    vi.mocked(commands.openWindow).mockResolvedValue({
      status: 'error',
      error: 'open_window not allowed' as unknown as { code: string; message: string },
    });
    await expect(ipc.openWindow('agenda')).rejects.toMatchObject({ code: 'ipc', message: 'open_window not allowed' });
    vi.mocked(commands.openWindow).mockRejectedValue(new TypeError('bridge missing'));
    await expect(ipc.openWindow('agenda')).rejects.toMatchObject({ code: 'ipc', message: 'bridge missing' });
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
    const stop = onMirrorChanged((p) => seen.push(p.reason));
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
