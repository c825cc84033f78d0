import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { DisplayPrefs, Preferences } from '../../platform/ipc';
import { DISPLAY, emitMirrorChanged, ipc } from '../../test/platform';
import PreferencesSection from './PreferencesSection.svelte';
import SettingsWindow from './SettingsWindow.svelte';

vi.mock('../../platform/ipc', async (orig) => ({
  ...(await orig<typeof import('../../platform/ipc')>()),
  ipc: (await import('../../test/platform')).ipc,
}));
vi.mock('../../platform/events', async () => (await import('../../test/platform')).events);

const prefs = (display: Partial<DisplayPrefs> = {}, snooze_minutes = 5): Preferences => ({
  display: { ...DISPLAY, ...display },
  snooze_minutes,
});

const select = (testid: string) => screen.getByTestId<HTMLSelectElement>(testid);
const labels = (testid: string) => [...select(testid).options].map((o) => o.textContent?.trim());
const chosen = (testid: string) => select(testid).selectedOptions[0]?.textContent?.trim();

async function renderPrefs(current = prefs()) {
  ipc.preferences.mockResolvedValue(current);
  const user = userEvent.setup();
  render(PreferencesSection, { shown: true });
  await screen.findByTestId('pref-clock');
  return user;
}

describe('preferences', () => {
  it('has its own section in the settings window', async () => {
    const user = userEvent.setup();
    render(SettingsWindow);
    await user.click(screen.getByTestId('section-preferences'));
    const section = screen.getByRole('region', { name: 'Preferences' });
    await waitFor(() => expect(within(section).getByLabelText('Clock')).toBeTruthy());
    expect(within(section).getByLabelText('First day of the week')).toBeTruthy();
    expect(within(section).getByLabelText('Snooze length for reminders')).toBeTruthy();
  });

  it('shows the choices, with what "System" means here', async () => {
    await renderPrefs();
    expect(labels('pref-clock')).toEqual(['System (12-hour)', '12-hour (2:30 PM)', '24-hour (14:30)']);
    expect(chosen('pref-clock')).toBe('System (12-hour)');
    expect(labels('pref-week-start')).toEqual(['System (Sunday)', 'Sunday', 'Monday', 'Saturday']);
    expect(chosen('pref-week-start')).toBe('System (Sunday)');
    expect(labels('pref-snooze')).toEqual(['1 minute', '5 minutes', '10 minutes', '15 minutes', '30 minutes']);
    expect(chosen('pref-snooze')).toBe('5 minutes');
  });

  it('resolves "System" to a 24-hour clock and Monday where the engine says so', async () => {
    await renderPrefs(prefs({ hour12: false, week_start: 1, locale: 'de-DE' }));
    expect(chosen('pref-clock')).toBe('System (24-hour)');
    expect(chosen('pref-week-start')).toBe('System (Monday)');
  });

  it('still names what "System" would be when another clock is chosen', async () => {
    await renderPrefs(prefs({ hour12: false, locale: 'en-US', settings: { clock: '24h', week_start: 'system' } }));
    expect(chosen('pref-clock')).toBe('24-hour (14:30)');
    expect(labels('pref-clock')[0]).toBe('System (12-hour)');
  });

  it('saves the clock, the first day and the snooze length as they are picked', async () => {
    const user = await renderPrefs();
    const after24 = prefs({ hour12: false, settings: { clock: '24h', week_start: 'system' } });
    ipc.setPreferences.mockResolvedValueOnce(after24);
    await user.selectOptions(select('pref-clock'), '24h');
    expect(ipc.setPreferences).toHaveBeenLastCalledWith({ display: { clock: '24h', week_start: 'system' }, snooze_minutes: null });
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Saved'));

    ipc.setPreferences.mockResolvedValueOnce(prefs({ hour12: false, week_start: 1, settings: { clock: '24h', week_start: 'monday' } }));
    await user.selectOptions(select('pref-week-start'), 'monday');
    // The clock just saved is kept: a display edit carries both settings.
    expect(ipc.setPreferences).toHaveBeenLastCalledWith({ display: { clock: '24h', week_start: 'monday' }, snooze_minutes: null });

    ipc.setPreferences.mockResolvedValueOnce(prefs({}, 15));
    await user.selectOptions(select('pref-snooze'), '15');
    expect(ipc.setPreferences).toHaveBeenLastCalledWith({ display: null, snooze_minutes: 15 });
    await waitFor(() => expect(chosen('pref-snooze')).toBe('15 minutes'));
  });

  it('shows a refused change inline and puts the stored choice back', async () => {
    const user = await renderPrefs();
    ipc.setPreferences.mockRejectedValueOnce({
      code: 'invalid_input',
      message: 'A snooze lasts 1 to 60 minutes.',
      detail: null,
    });
    await user.selectOptions(select('pref-snooze'), '30');
    const error = await screen.findByTestId('preferences-error');
    expect(error.querySelector('.message')?.textContent).toBe('A snooze lasts 1 to 60 minutes.');
    expect(chosen('pref-snooze')).toBe('5 minutes');
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('keeps an unusual stored snooze length among the choices', async () => {
    await renderPrefs(prefs({}, 20));
    expect(labels('pref-snooze')).toEqual(['1 minute', '5 minutes', '10 minutes', '15 minutes', '20 minutes', '30 minutes']);
    expect(chosen('pref-snooze')).toBe('20 minutes');
  });

  it('re-reads them when they change elsewhere', async () => {
    await renderPrefs();
    ipc.preferences.mockResolvedValue(prefs({}, 10));
    emitMirrorChanged('preferences');
    await waitFor(() => expect(chosen('pref-snooze')).toBe('10 minutes'));
  });
});
