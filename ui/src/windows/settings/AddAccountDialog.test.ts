import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ipc } from '../../test/platform';
import { sourceInfo } from '../../test/fixtures';
import AddAccountDialog from './AddAccountDialog.svelte';

vi.mock('../../platform/ipc', async (orig) => ({
  ...(await orig<typeof import('../../platform/ipc')>()),
  ipc: (await import('../../test/platform')).ipc,
}));

afterEach(() => vi.clearAllMocks());

describe('add a CalDAV account', () => {
  it('fills a preset, refuses a wrong password in plain words (clearing it), then lists the calendars found', async () => {
    const onadded = vi.fn();
    render(AddAccountDialog, { onclose: vi.fn(), onadded });
    const user = userEvent.setup();
    await user.click(screen.getByTestId('preset-icloud'));
    expect((screen.getByTestId('account-server') as HTMLInputElement).value).toBe('https://caldav.icloud.com');
    expect(screen.getByTestId('account-hint').textContent).toMatch(/app-specific password/);
    await user.click(screen.getByTestId('preset-other'));
    await user.type(screen.getByTestId('account-server'), 'dav.example.org');
    await user.type(screen.getByTestId('account-user'), 'alice');
    await user.type(screen.getByTestId('account-password'), 'wrong');
    ipc.addCaldav.mockRejectedValueOnce({ code: 'unauthorized', message: 'The server refused the user name or password.' });
    await user.click(screen.getByTestId('account-sign-in'));
    expect((await screen.findByTestId('account-error')).textContent).toMatch(/refused the user name or password/);
    expect((screen.getByTestId('account-password') as HTMLInputElement).value).toBe('');
    expect(ipc.addCaldav).toHaveBeenCalledWith({ server: 'https://dav.example.org', user: 'alice', password: 'wrong', name: null });

    ipc.addCaldav.mockResolvedValueOnce({
      source: sourceInfo({ kind: 'caldav', name: 'alice on dav.example.org' }),
      calendars: [
        { id: 4, source_id: 2, name: 'Personal', color: '#ff0000', read_only: false, direction: 'two_way', source_kind: 'caldav', shown: true, default: false },
        { id: 5, source_id: 2, name: 'Shared by Bob', color: null, read_only: true, direction: 'pull_only', source_kind: 'caldav', shown: true, default: false },
      ],
    });
    await user.type(screen.getByTestId('account-password'), 'secret');
    await user.click(screen.getByTestId('account-sign-in'));
    const list = await screen.findByTestId('account-calendars');
    expect(list.textContent).toMatch(/Personal/);
    expect(list.textContent).toMatch(/Shared by Bob\s*read only/);
    expect(screen.getByTestId('account-added').textContent).toMatch(/2 calendars found/);
    expect(onadded).toHaveBeenCalledTimes(1);
  });

  it('needs something to start from', async () => {
    render(AddAccountDialog, { onclose: vi.fn(), onadded: vi.fn() });
    const user = userEvent.setup();
    await user.type(screen.getByTestId('account-user'), 'alice');
    await user.type(screen.getByTestId('account-password'), 'x');
    await user.click(screen.getByTestId('account-sign-in'));
    expect((await screen.findByTestId('account-error')).textContent).toMatch(/server’s address/);
    expect(ipc.addCaldav).not.toHaveBeenCalled();
  });
});
