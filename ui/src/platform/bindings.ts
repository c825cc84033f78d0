// Hand-written stand-in in the shape tauri-specta generates (Result mode). The
// generated file from src-tauri overwrites it; do not add anything here.

/** user-defined commands **/

export const commands = {
async appState() : Promise<Result<AppState, IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("app_state") };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async agenda(from: number, to: number) : Promise<Result<Agenda, IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("agenda", { from, to }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async eventDetail(eventId: number) : Promise<Result<EventDetail, IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("event_detail", { eventId }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async joinLinks(eventIds: number[]) : Promise<Result<EventJoin[], IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("join_links", { eventIds }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async nextMeeting() : Promise<Result<NextMeeting | null, IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("next_meeting") };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async joinEvent(eventId: number) : Promise<Result<JoinLink, IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("join_event", { eventId }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async sourcesStatus() : Promise<Result<SourceStatus[], IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("sources_status") };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async previewFeed(url: string) : Promise<Result<FeedPreview, IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("preview_feed", { url }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async addFeed(req: AddFeed) : Promise<Result<SourceInfo, IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("add_feed", { req }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async updateSource(id: number, edit: SourceEdit) : Promise<Result<SourceInfo, IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("update_source", { id, edit }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async removeSource(id: number) : Promise<Result<SourceInfo, IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("remove_source", { id }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async syncNow(id: number | null) : Promise<Result<SyncReport[], IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("sync_now", { id }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async syncLog(id: number | null, limit: number) : Promise<Result<LogLine[], IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("sync_log", { id, limit }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async loadSample() : Promise<Result<SourceInfo, IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("load_sample") };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async openWindow(window: WindowKind) : Promise<Result<null, IpcError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("open_window", { window }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
}

/** user-defined events **/


export const events = __makeEvents__<{
mirrorChanged: MirrorChanged,
syncProgress: SyncProgress
}>({
mirrorChanged: "mirror-changed",
syncProgress: "sync-progress"
})

/** user-defined constants **/



/** user-defined types **/

export type Agenda = { from: string; to: string; entries: AgendaEntry[]; query_ms: number }
export type AgendaEntry = { start: string; end: string; start_utc: number; end_utc: number; all_day: boolean; floating: boolean; summary: string; location: string | null; status: string | null; uid: string; recurrence_id: string; calendar: string; color: string | null; source_id: number; event_id: number }
export type AddFeed = { url: string; name: string | null; color: string | null; interval_minutes: number | null; include: string[]; exclude: string[] }
export type AppState = { version: string; data_dir: string; sources: number; tray: TrayState; last_error: string | null }
export type Attendee = { name: string | null; email: string | null; partstat: string | null; role: string | null }
export type EventDetail = { event_id: number; uid: string; summary: string; location: string | null; description: string | null; url: string | null; status: string | null; start: string; end: string; start_utc: number; end_utc: number; all_day: boolean; floating: boolean; tzid: string | null; start_in_event_zone: string | null; end_in_event_zone: string | null; organizer: Attendee | null; attendees: Attendee[]; calendar: string; color: string | null; source_id: number; recurring: boolean; join: JoinLink | null }
export type EventJoin = { event_id: number; link: JoinLink }
export type FeedPreview = { url: string; suggested_name: string; events: number; upcoming: number; first: PreviewEvent[]; diagnostics: string[] }
export type FilterSpec = { include: RuleSpec[]; exclude: RuleSpec[] }
export type IpcError = { code: string; message: string }
export type JoinLink = { url: string; service_id: string; service_name: string; source: JoinSource; meeting_id: string | null; passcode: string | null; dial_in: string | null }
export type JoinSource = "conference" | "conference_property" | "url" | "location" | "description" | "alt_description"
export type LogLine = { at: string; source_id: number | null; source: string; outcome: string; added: number; updated: number; removed: number; kept_as_history: number; diagnostics: number; duration_ms: number; error: string | null; error_code: string | null }
export type MirrorChanged = { reason: string }
export type NextMeeting = ({ start: string; end: string; start_utc: number; end_utc: number; all_day: boolean; floating: boolean; summary: string; location: string | null; status: string | null; uid: string; recurrence_id: string; calendar: string; color: string | null; source_id: number; event_id: number }) & { join: JoinLink | null }
export type PreviewEvent = { summary: string; start: string; all_day: boolean }
export type RuleField = "any" | "summary" | "location" | "description"
export type RuleSpec = { field: RuleField; pattern: string; regex: boolean }
export type SourceEdit = { name: string | null; color: string | null; interval_minutes: number | null; enabled: boolean | null; include: string[] | null; exclude: string[] | null }
export type SourceInfo = { id: number; kind: string; name: string; url: string; secret_in: string | null; interval_secs: number; max_bytes: number; filters: FilterSpec; enabled: boolean; color: string | null }
export type SourceStatus = ({ id: number; kind: string; name: string; url: string; secret_in: string | null; interval_secs: number; max_bytes: number; filters: FilterSpec; enabled: boolean; color: string | null }) & { last_sync: string | null; last_success: string | null; next_sync: string | null; events: number; upcoming_30_min: number; consecutive_failures: number; last_error: string | null; last_error_code: string | null }
export type SyncPhase = "fetching" | "parsing" | "writing" | "done" | "failed"
export type SyncProgress = { source_id: number; source_name: string; phase: SyncPhase; done: number; total: number | null }
export type SyncReport = { source_id: number; source_name: string; outcome: string; added: number; updated: number; removed: number; kept_as_history: number; occurrences_written: number; events: number; diagnostics: string[]; duration_ms: number; error: string | null; error_code: string | null; next_due_at: number }
export type TrayState = "idle" | "syncing" | "error" | "conflict"
export type WindowKind = "agenda" | "settings" | "welcome"

/** tauri-specta globals **/

import {
	invoke as TAURI_INVOKE,
	Channel as TAURI_CHANNEL,
} from "@tauri-apps/api/core";
import * as TAURI_API_EVENT from "@tauri-apps/api/event";
import { type WebviewWindow as __WebviewWindow__ } from "@tauri-apps/api/webviewWindow";

type __EventObj__<T> = {
	listen: (
		cb: TAURI_API_EVENT.EventCallback<T>,
	) => ReturnType<typeof TAURI_API_EVENT.listen<T>>;
	once: (
		cb: TAURI_API_EVENT.EventCallback<T>,
	) => ReturnType<typeof TAURI_API_EVENT.once<T>>;
	emit: null extends T
		? (payload?: T) => ReturnType<typeof TAURI_API_EVENT.emit>
		: (payload: T) => ReturnType<typeof TAURI_API_EVENT.emit>;
};

export type Result<T, E> =
	| { status: "ok"; data: T }
	| { status: "error"; error: E };

function __makeEvents__<T extends Record<string, any>>(
	mappings: Record<keyof T, string>,
) {
	return new Proxy(
		{} as unknown as {
			[K in keyof T]: __EventObj__<T[K]> & {
				(handle: __WebviewWindow__): __EventObj__<T[K]>;
			};
		},
		{
			get: (_, event) => {
				const name = mappings[event as keyof T];

				return new Proxy((() => {}) as any, {
					apply: (_, __, [window]: [__WebviewWindow__]) => ({
						listen: (arg: any) => window.listen(name, arg),
						once: (arg: any) => window.once(name, arg),
						emit: (arg: any) => window.emit(name, arg),
					}),
					get: (_, command: keyof __EventObj__<any>) => {
						switch (command) {
							case "listen":
								return (arg: any) => TAURI_API_EVENT.listen(name, arg);
							case "once":
								return (arg: any) => TAURI_API_EVENT.once(name, arg);
							case "emit":
								return (arg: any) => TAURI_API_EVENT.emit(name, arg);
						}
					},
				});
			},
		},
	);
}
