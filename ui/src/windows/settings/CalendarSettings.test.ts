import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CalendarInfo } from '../../platform/ipc';
import { ipc } from '../../test/platform';
import CalendarSettings from './CalendarSettings.svelte';

vi.mock('../../platform/ipc', async (orig) => ({
  ...(await orig<typeof import('../../platform/ipc')>()),
  ipc: (await import('../../test/platform')).ipc,
}));

afterEach(() => vi.clearAllMocks());

const CAL: CalendarInfo = {
  id: 4,
  source_id: 2,
  name: 'Personal',
  color: '#ff0000',
  read_only: false,
  direction: 'two_way',
  source_kind: 'caldav',
  shown: true,
  default: false,
};

describe('a calendar’s own settings', () => {
  it('hides it, changes its direction and makes it the default, one field at a time', async () => {
    const onchanged = vi.fn();
    render(CalendarSettings, { calendar: CAL, onchanged });
    const user = userEvent.setup();
    await user.click(screen.getByTestId('calendar-shown'));
    await waitFor(() =>
      expect(ipc.updateCalendar).toHaveBeenLastCalledWith(4, { shown: false, color: null, direction: null, default: null }),
    );
    await user.click(screen.getByTestId('calendar-default'));
    await waitFor(() =>
      expect(ipc.updateCalendar).toHaveBeenLastCalledWith(4, { shown: null, color: null, direction: null, default: true }),
    );
    await user.selectOptions(screen.getByTestId('calendar-direction'), 'pull_only');
    await waitFor(() =>
      expect(ipc.updateCalendar).toHaveBeenLastCalledWith(4, { shown: null, color: null, direction: 'pull_only', default: null }),
    );
    expect(onchanged).toHaveBeenCalledTimes(3);
  });

  it('offers a read-only calendar neither a direction nor the default', () => {
    render(CalendarSettings, { calendar: { ...CAL, read_only: true, direction: 'pull_only' }, onchanged: vi.fn() });
    expect(screen.queryByTestId('calendar-direction')).toBeNull();
    expect(screen.queryByTestId('calendar-default')).toBeNull();
    expect(screen.getByText('read only')).toBeTruthy();
  });

  it('shows a stored #RRGGBBAA colour in the swatch and puts a refused checkbox back', async () => {
    ipc.updateCalendar.mockRejectedValueOnce({ code: 'store.busy', message: 'busy' });
    render(CalendarSettings, { calendar: { ...CAL, color: '#FF0000FF' }, onchanged: vi.fn() });
    expect((screen.getByTestId('calendar-color') as HTMLInputElement).value).toBe('#ff0000');
    const shown = screen.getByTestId('calendar-shown') as HTMLInputElement;
    await userEvent.setup().click(shown);
    await screen.findByTestId('calendar-error');
    expect(shown.checked).toBe(true);
  });

  it('shows a refusal in plain words', async () => {
    ipc.updateCalendar.mockRejectedValueOnce({ code: 'invalid_input', message: '“Personal” can only be pulled: the server does not let this account change it' });
    render(CalendarSettings, { calendar: CAL, onchanged: vi.fn() });
    await userEvent.setup().selectOptions(screen.getByTestId('calendar-direction'), 'push_only');
    expect((await screen.findByTestId('calendar-error')).textContent).toMatch(/can only be pulled/);
    // The select shows what is stored, not the refused choice.
    expect((screen.getByTestId('calendar-direction') as HTMLSelectElement).value).toBe(CAL.direction);
  });

  it('puts a refused colour back', async () => {
    ipc.updateCalendar.mockRejectedValueOnce({ code: 'invalid_input', message: 'no' });
    render(CalendarSettings, { calendar: { ...CAL, color: '#3b82f6' }, onchanged: vi.fn() });
    const swatch = screen.getByTestId('calendar-color') as HTMLInputElement;
    await fireEvent.change(swatch, { target: { value: '#ff0000' } });
    await screen.findByTestId('calendar-error');
    expect(swatch.value).toBe('#3b82f6');
  });
});
