import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ipc } from '../../test/platform';
import MyAddresses from './MyAddresses.svelte';
import SettingsWindow from './SettingsWindow.svelte';

vi.mock('../../platform/ipc', async (orig) => ({
  ...(await orig<typeof import('../../platform/ipc')>()),
  ipc: (await import('../../test/platform')).ipc,
}));
vi.mock('../../platform/events', async () => (await import('../../test/platform')).events);

const field = () => screen.getByTestId<HTMLTextAreaElement>('my-addresses');

describe('my addresses', () => {
  it('sits in the Reminders section, labelled and explained', async () => {
    render(SettingsWindow);
    await userEvent.setup().click(screen.getByTestId('section-reminders'));
    const reminders = screen.getByRole('region', { name: 'Reminders' });
    const input = within(reminders).getByLabelText('My addresses');
    expect(input).toBe(within(reminders).getByTestId('my-addresses'));
    expect(input.getAttribute('aria-describedby')).toBe('my-addresses-help');
    expect(document.getElementById('my-addresses-help')?.textContent).toContain('declined');
  });

  it('shows the stored list, saves the lines and shows the list as stored', async () => {
    const user = userEvent.setup();
    ipc.myAddresses.mockResolvedValue(['me@example.com']);
    ipc.setMyAddresses.mockResolvedValue(['me@example.com', 'me@work.example']);
    render(MyAddresses);
    await waitFor(() => expect(field().value).toBe('me@example.com'));

    await user.type(field(), '\n\n  mailto:me@work.example  \nME@example.com\n');
    await user.click(screen.getByTestId('my-addresses-save'));
    expect(ipc.setMyAddresses).toHaveBeenCalledWith(['me@example.com', 'mailto:me@work.example', 'ME@example.com']);
    // The engine's normalised list replaces the text.
    await waitFor(() => expect(field().value).toBe('me@example.com\nme@work.example'));
    expect(screen.getByRole('status').textContent).toBe('Saved');
    expect(screen.queryByTestId('my-addresses-error')).toBeNull();
  });

  it('shows a refused entry inline and keeps the text to fix', async () => {
    const user = userEvent.setup();
    const message = 'address 2 ("Jane Doe") is not an e-mail address like name@example.com';
    ipc.setMyAddresses.mockRejectedValueOnce({ code: 'invalid_input', message });
    render(MyAddresses);
    await waitFor(() => expect(ipc.myAddresses).toHaveBeenCalled());
    await user.type(field(), 'me@example.com\nJane Doe');
    await user.click(screen.getByTestId('my-addresses-save'));

    const error = await screen.findByTestId('my-addresses-error');
    expect(error.textContent).toContain(message);
    expect(error.textContent).toContain('invalid_input');
    expect(field().value).toBe('me@example.com\nJane Doe');
    expect(field().getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByRole('status')).toBeNull();

    // Fixed and saved: the error goes.
    await user.clear(field());
    await user.type(field(), 'me@example.com\njane@example.com');
    await user.click(screen.getByTestId('my-addresses-save'));
    await waitFor(() => expect(screen.queryByTestId('my-addresses-error')).toBeNull());
    expect(ipc.setMyAddresses).toHaveBeenLastCalledWith(['me@example.com', 'jane@example.com']);
  });

  it('saves an empty list', async () => {
    const user = userEvent.setup();
    ipc.myAddresses.mockResolvedValue(['me@example.com']);
    render(MyAddresses);
    await waitFor(() => expect(field().value).toBe('me@example.com'));
    await user.clear(field());
    await user.click(screen.getByTestId('my-addresses-save'));
    expect(ipc.setMyAddresses).toHaveBeenCalledWith([]);
  });
});
