/** Builders for IPC values in tests. */
import type { AgendaEntry, EventDetail, JoinLink, SourceInfo, SourceStatus } from '../platform/ipc';

let nextId = 1;

/**
 * An agenda entry. `start`/`end` as the shell sends them: RFC 3339 in the user's
 * zone, or dates for all-day entries. `*_utc` are derived from the strings.
 */
export function entry(start: string, end: string, over: Partial<AgendaEntry> = {}): AgendaEntry {
  const allDay = /^\d{4}-\d{2}-\d{2}$/.test(start);
  const id = over.event_id ?? nextId++;
  return {
    start,
    end,
    start_utc: allDay ? Date.parse(`${start}T00:00:00+01:00`) / 1000 : Date.parse(start) / 1000,
    end_utc: allDay ? Date.parse(`${end}T00:00:00+01:00`) / 1000 : Date.parse(end) / 1000,
    all_day: allDay,
    floating: false,
    summary: `Event ${id}`,
    location: null,
    status: null,
    uid: `uid-${id}`,
    recurrence_id: '',
    calendar: 'Work',
    color: '#3b82f6',
    source_id: 1,
    calendar_id: 1,
    pending: false,
    event_id: id,
    ...over,
  };
}

export function detailOf(e: AgendaEntry, over: Partial<EventDetail> = {}): EventDetail {
  return {
    event_id: e.event_id,
    uid: e.uid,
    summary: e.summary,
    location: e.location,
    description: null,
    url: null,
    status: e.status,
    start: e.start,
    end: e.end,
    start_utc: e.start_utc,
    end_utc: e.end_utc,
    all_day: e.all_day,
    floating: e.floating,
    tzid: null,
    start_in_event_zone: null,
    end_in_event_zone: null,
    organizer: null,
    attendees: [],
    calendar: e.calendar,
    color: e.color,
    source_id: e.source_id,
    calendar_id: e.calendar_id,
    pending: e.pending,
    recurring: false,
    join: null,
    ...over,
  };
}

export function joinLink(over: Partial<JoinLink> = {}): JoinLink {
  return {
    url: 'https://example.zoom.us/j/123456789?pwd=abc',
    service_id: 'zoom',
    service_name: 'Zoom',
    source: 'location',
    meeting_id: '123 456 789',
    passcode: 'abc123',
    dial_in: '+1 555 0100',
    ...over,
  };
}

export function sourceInfo(over: Partial<SourceInfo> = {}): SourceInfo {
  return {
    id: 1,
    kind: 'ics',
    name: 'Work',
    url: 'https://example.com/work.ics',
    secret_in: null,
    interval_secs: 900,
    max_bytes: 20_000_000,
    filters: { include: [], exclude: [] },
    enabled: true,
    color: '#3b82f6',
    ...over,
  };
}

export function sourceStatus(over: Partial<SourceStatus> = {}): SourceStatus {
  return {
    ...sourceInfo(over),
    last_sync: '2026-11-23T09:20:00Z',
    last_success: '2026-11-23T09:20:00Z',
    next_sync: '2026-11-23T09:35:00Z',
    events: 42,
    upcoming_30_min: 0,
    consecutive_failures: 0,
    last_error: null,
    last_error_code: null,
    last_error_detail: null,
    notice: null,
    ...over,
  };
}
