import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ShortcutSettings } from '../../platform/ipc';
import { ipc } from '../../test/platform';
import JoinShortcut from './JoinShortcut.svelte';
import SettingsWindow from './SettingsWindow.svelte';

vi.mock('../../platform/ipc', async (orig) => ({
  ...(await orig<typeof import('../../platform/ipc')>()),
  ipc: (await import('../../test/platform')).ipc,
}));
vi.mock('../../platform/events', async () => (await import('../../test/platform')).events);

const settings = (over: Partial<ShortcutSettings> = {}): ShortcutSettings => ({
  shortcut: 'Ctrl+Alt+J',
  default_shortcut: 'Ctrl+Alt+J',
  active: true,
  error: null,
  ...over,
});

const input = () => screen.getByTestId<HTMLInputElement>('shortcut-input');
const status = () => screen.getByTestId('shortcut-status').textContent?.replace(/\s+/g, ' ').trim();

async function renderShortcut(current = settings()) {
  ipc.shortcutSettings.mockResolvedValue(current);
  const user = userEvent.setup();
  render(JoinShortcut);
  await screen.findByTestId('shortcut-status');
  return user;
}

describe('join shortcut', () => {
  it('has its own section in the settings window', async () => {
    render(SettingsWindow);
    await userEvent.setup().click(screen.getByTestId('section-shortcut'));
    const section = screen.getByRole('region', { name: 'Join shortcut' });
    expect(within(section).getByLabelText('New shortcut')).toBe(within(section).getByTestId('shortcut-input'));
    await waitFor(() => expect(within(section).getByTestId('shortcut-status').textContent).toContain('Ctrl+Alt+J'));
  });

  it('shows the current shortcut and that it is active', async () => {
    await renderShortcut();
    expect(status()).toBe('Current: Ctrl+Alt+J active');
    expect(input().value).toBe('Ctrl+Alt+J');
    expect(screen.queryByTestId('shortcut-problem')).toBeNull();
  });

  it('shows why a shortcut is not active', async () => {
    await renderShortcut(settings({ active: false, error: 'Ctrl+Alt+J is taken by another application' }));
    expect(status()).toBe('Current: Ctrl+Alt+J not active');
    expect(screen.getByTestId('shortcut-problem').textContent).toBe('Ctrl+Alt+J is taken by another application');
  });

  it('records Ctrl+Alt+K from a key press and saves it', async () => {
    const user = await renderShortcut();
    await user.click(input());
    // A bare modifier records nothing.
    await user.keyboard('{Control}{Alt}');
    expect(input().value).toBe('Ctrl+Alt+J');
    await user.keyboard('{Control>}{Alt>}k{/Alt}{/Control}');
    expect(input().value).toBe('Ctrl+Alt+K');
    expect(ipc.setJoinShortcut).not.toHaveBeenCalled();

    await user.click(screen.getByTestId('shortcut-save'));
    expect(ipc.setJoinShortcut).toHaveBeenCalledWith('Ctrl+Alt+K');
    await waitFor(() => expect(status()).toBe('Current: Ctrl+Alt+K active'));
  });

  it('puts the current shortcut back on Escape', async () => {
    const user = await renderShortcut();
    await user.click(input());
    await user.keyboard('{Control>}{Meta>}{Shift>}5{/Shift}{/Meta}{/Control}');
    expect(input().value).toBe('Ctrl+Shift+Super+5');
    await user.keyboard('{Escape}');
    expect(input().value).toBe('Ctrl+Alt+J');
  });

  it('takes typed text and saves it with Enter', async () => {
    const user = await renderShortcut();
    await user.clear(input());
    await user.type(input(), 'super+shift+F9{Enter}');
    expect(ipc.setJoinShortcut).toHaveBeenCalledWith('super+shift+F9');
    await waitFor(() => expect(input().value).toBe('super+shift+F9'));
  });

  it('turns the shortcut off', async () => {
    const user = await renderShortcut();
    await user.click(screen.getByTestId('shortcut-off'));
    expect(ipc.setJoinShortcut).toHaveBeenCalledWith(null);
    await waitFor(() => expect(status()).toBe('Current: Off not active'));
    expect(input().value).toBe('');
    expect(screen.getByTestId<HTMLButtonElement>('shortcut-off').disabled).toBe(true);
  });

  it('goes back to the default shortcut', async () => {
    const user = await renderShortcut(settings({ shortcut: null, active: false }));
    expect(status()).toBe('Current: Off not active');
    const useDefault = screen.getByTestId<HTMLButtonElement>('shortcut-default');
    expect(useDefault.textContent?.trim()).toBe('Use default (Ctrl+Alt+J)');
    await user.click(useDefault);
    expect(ipc.setJoinShortcut).toHaveBeenCalledWith('Ctrl+Alt+J');
    await waitFor(() => expect(status()).toBe('Current: Ctrl+Alt+J active'));
    expect(useDefault.disabled).toBe(true);
  });

  it('shows a refused text inline and keeps it to fix', async () => {
    const user = await renderShortcut();
    const message = '"Shift+J": add Ctrl, Alt or Super, or the shortcut would take the key from every application';
    ipc.setJoinShortcut.mockRejectedValueOnce({ code: 'invalid_input', message });
    await user.clear(input());
    await user.type(input(), 'Shift+J');
    await user.click(screen.getByTestId('shortcut-save'));

    const error = await screen.findByTestId('shortcut-error');
    expect(error.textContent).toContain(message);
    expect(error.textContent).toContain('invalid_input');
    expect(input().value).toBe('Shift+J');
    expect(input().getAttribute('aria-invalid')).toBe('true');
    // The previous shortcut stays.
    expect(status()).toBe('Current: Ctrl+Alt+J active');

    // Recording a new combination clears the message.
    await user.click(input());
    await user.keyboard('{Control>}{Alt>}m{/Alt}{/Control}');
    expect(screen.queryByTestId('shortcut-error')).toBeNull();
  });

  it('shows a shortcut another application holds inline', async () => {
    const user = await renderShortcut();
    ipc.setJoinShortcut.mockRejectedValueOnce({
      code: 'shortcut_unavailable',
      message: 'Ctrl+Alt+T is held by another application',
    });
    await user.click(input());
    await user.keyboard('{Control>}{Alt>}t{/Alt}{/Control}');
    await user.click(screen.getByTestId('shortcut-save'));
    const error = await screen.findByTestId('shortcut-error');
    expect(error.textContent).toContain('Ctrl+Alt+T is held by another application');
    expect(error.textContent).toContain('shortcut_unavailable');
    expect(input().value).toBe('Ctrl+Alt+T');
    // The state is read again (the previous shortcut is still the one in force).
    await waitFor(() => expect(ipc.shortcutSettings).toHaveBeenCalledTimes(2));
    expect(input().value).toBe('Ctrl+Alt+T');
  });

  it('keeps a recorded Ctrl+W from reaching the window', async () => {
    const user = await renderShortcut();
    const seen = vi.fn();
    window.addEventListener('keydown', seen);
    try {
      await user.click(input());
      await user.keyboard('{Control>}w{/Control}');
      expect(input().value).toBe('Ctrl+W');
      expect(seen.mock.calls.filter(([e]) => (e as KeyboardEvent).key === 'w')).toHaveLength(0);
    } finally {
      window.removeEventListener('keydown', seen);
    }
  });
});
