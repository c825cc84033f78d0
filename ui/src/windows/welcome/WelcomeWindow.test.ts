import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ipc, windowApi } from '../../test/platform';
import WelcomeWindow from './WelcomeWindow.svelte';

vi.mock('../../platform/ipc', async (orig) => ({
  ...(await orig<typeof import('../../platform/ipc')>()),
  ipc: (await import('../../test/platform')).ipc,
}));
vi.mock('../../platform/window', async () => (await import('../../test/platform')).windowApi);

describe('welcome', () => {
  it('explains Traycal in three lines', () => {
    render(WelcomeWindow);
    expect(screen.getByTestId('welcome-view')).toBeTruthy();
    expect(screen.getAllByRole('listitem')).toHaveLength(3);
  });

  it('"Add a calendar" opens Settings, then closes itself', async () => {
    const user = userEvent.setup();
    const order: string[] = [];
    ipc.openWindow.mockImplementation(async (w) => {
      order.push(`openWindow:${w}`);
      return null;
    });
    windowApi.closeCurrentWindow.mockImplementation(async () => {
      order.push('close');
    });
    render(WelcomeWindow);
    await user.click(screen.getByRole('button', { name: 'Add a calendar' }));
    await waitFor(() => expect(order).toEqual(['openWindow:settings', 'close']));
    expect(ipc.loadSample).not.toHaveBeenCalled();
  });

  it('stays open when Settings cannot be opened', async () => {
    const user = userEvent.setup();
    ipc.openWindow.mockRejectedValue({ code: 'window', message: 'Could not open the settings window.', detail: null });
    render(WelcomeWindow);
    await user.click(screen.getByTestId('welcome-add'));
    expect((await screen.findByTestId('error')).textContent).toContain('Could not open the settings window.');
    expect(windowApi.closeCurrentWindow).not.toHaveBeenCalled();
  });

  it('loads the sample, then opens the agenda and closes itself', async () => {
    const user = userEvent.setup();
    const order: string[] = [];
    ipc.loadSample.mockImplementation(async () => {
      order.push('loadSample');
      return (await import('../../test/fixtures')).sourceInfo({ name: 'Sample' });
    });
    ipc.openWindow.mockImplementation(async (w) => {
      order.push(`openWindow:${w}`);
      return null;
    });
    render(WelcomeWindow);
    await user.click(screen.getByTestId('welcome-sample'));
    await waitFor(() => expect(order).toEqual(['loadSample', 'openWindow:agenda']));
    await waitFor(() => expect(windowApi.closeCurrentWindow).toHaveBeenCalled());
  });

  it('shows a failure inline and does not open the agenda', async () => {
    const user = userEvent.setup();
    ipc.loadSample.mockRejectedValue({ code: 'store.read_only', message: 'Cannot write the mirror', detail: null });
    render(WelcomeWindow);
    await user.click(screen.getByTestId('welcome-sample'));
    const error = await screen.findByTestId('error');
    expect(error.textContent).toContain('Cannot write the mirror');
    // The code is for bug reports: behind the disclosure, not beside the message.
    expect(error.querySelector('details code')?.textContent).toBe('store.read_only');
    expect(ipc.openWindow).not.toHaveBeenCalled();
    expect(windowApi.closeCurrentWindow).not.toHaveBeenCalled();
    expect((screen.getByTestId('welcome-sample') as HTMLButtonElement).disabled).toBe(false);
  });
});
