/**
 * What the settings window shows about the sources, shared by its sections: the
 * sources with their status, the sync log (optionally of one source), the progress
 * of running syncs, and "now" for relative times. It lives as long as the window,
 * so switching sections neither reloads it nor loses the log's filter.
 */
import { on } from '../../platform/events';
import { ipc, type LogLine, type SourceStatus, type SyncProgress } from '../../platform/ipc';
import { everyMinute } from '../../shared/ticker';

export const LOG_LIMIT = 100;
/** How long a finished sync's last phase stays on screen. */
const PROGRESS_LINGER_MS = 2000;

export class SettingsData {
  sources: SourceStatus[] = $state([]);
  loaded = $state(false);
  listError: unknown = $state(null);
  /** The first load found no calendar: a first run, where adding one is all there is to do. */
  firstRun = $state(false);
  log: LogLine[] = $state([]);
  logError: unknown = $state(null);
  /** Whose lines the log shows: a source id, or null for every source. */
  logSource: number | null = $state(null);
  progress: Record<number, SyncProgress> = $state({});
  /** "Now" for relative times (Unix ms: a Date in state could change unseen). */
  now = $state(Date.now());

  #sourceSeq = 0;
  #logSeq = 0;
  #timers: Record<number, ReturnType<typeof setTimeout>> = {};

  loadSources = async () => {
    const mine = ++this.#sourceSeq;
    try {
      const list = await ipc.sourcesStatus();
      if (mine !== this.#sourceSeq) return;
      if (!this.loaded && list.length === 0) this.firstRun = true;
      // A fresh "now" with fresh statuses: the minute ticker's may be most of a minute
      // old, which put a sync that just finished in the future.
      this.now = Date.now();
      this.sources = list;
      this.listError = null;
      // The source the log was narrowed to is gone (removed here or elsewhere).
      if (this.logSource !== null && !list.some((s) => s.id === this.logSource)) this.showLogOf(null);
    } catch (e) {
      if (mine === this.#sourceSeq) this.listError = e;
    } finally {
      if (mine === this.#sourceSeq) this.loaded = true;
    }
  };

  loadLog = async () => {
    const mine = ++this.#logSeq;
    try {
      const lines = await ipc.syncLog(this.logSource, LOG_LIMIT);
      if (mine === this.#logSeq) {
        this.log = lines;
        this.logError = null;
      }
    } catch (e) {
      if (mine === this.#logSeq) this.logError = e;
    }
  };

  showLogOf = (sourceId: number | null) => {
    this.logSource = sourceId;
    this.loadLog();
  };

  refresh = () => {
    this.loadSources();
    this.loadLog();
  };

  /**
   * Loads everything and keeps it current until the returned function is called:
   * on every `MirrorChanged`, whatever its reason (a sync here, or `external` when
   * another process such as the CLI changed the mirror), at each minute, and when a
   * sync ends.
   */
  connect(): () => void {
    this.refresh();
    const stopMirror = on('mirrorChanged', () => this.refresh());
    const stopTicker = everyMinute((d) => {
      this.now = d.getTime();
      this.loadSources();
    });
    const stopProgress = on('syncProgress', (p) => {
      clearTimeout(this.#timers[p.source_id]);
      this.progress[p.source_id] = p;
      if (p.phase === 'done' || p.phase === 'failed' || p.phase === 'held') {
        this.#timers[p.source_id] = setTimeout(() => {
          delete this.progress[p.source_id];
          delete this.#timers[p.source_id];
        }, PROGRESS_LINGER_MS);
        this.refresh();
      }
    });
    return () => {
      stopMirror();
      stopTicker();
      stopProgress();
      for (const t of Object.values(this.#timers)) clearTimeout(t);
    };
  }
}
