/**
 * The typed facade over the generated bindings that the rest of the UI uses.
 *
 * `ipc` has one method per command of the generated `commands` (the contract's list,
 * crates/traycal-contract): same name, same arguments, resolving to the command's
 * answer or throwing an `IpcFailure { code, message, detail }`. Nothing here is
 * written per command: a new command appears here when the bindings are
 * regenerated. Callers switch on `code` (the contract's `IpcErrorCode`), never on
 * the message text. Errors that do not come from our commands (a missing
 * permission, a thrown Error) are folded into the same shape with the code "ipc".
 */
import { commands, type IpcError, type IpcErrorCode } from './bindings';

/** The shape of every generated command's answer. */
type Result<T, E> = { status: 'ok'; data: T } | { status: 'error'; error: E };

export type * from './bindings';
export type { Field as RuleField } from './bindings';

type Commands = typeof commands;
type CommandName = keyof Commands;
/** What a generated command resolves to when it succeeds. */
type Answer<F> = F extends (...args: never[]) => Promise<Result<infer T, IpcError>> ? T : never;

/** The facade's type: each command with its arguments, resolving to its answer. */
export type Ipc = {
  [K in CommandName]: (...args: Parameters<Commands[K]>) => Promise<Answer<Commands[K]>>;
};

/** A failure's code: one of the contract's, or "ipc" for one that is not ours. */
export type FailureCode = IpcErrorCode | 'ipc';

export class IpcFailure extends Error {
  readonly code: FailureCode;
  /** The technical account, when it says more than the message (for a disclosure). */
  readonly detail: string | null;

  constructor(code: FailureCode, message: string, detail: string | null = null) {
    super(message);
    this.name = 'IpcFailure';
    this.code = code;
    this.detail = detail;
  }
}

function isIpcError(value: unknown): value is IpcError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as IpcError).code === 'string' &&
    typeof (value as IpcError).message === 'string'
  );
}

/** Turns anything a command may reject with into an `IpcFailure`. */
export function toFailure(error: unknown): IpcFailure {
  if (error instanceof IpcFailure) return error;
  if (isIpcError(error)) return new IpcFailure(error.code, error.message, error.detail ?? null);
  if (error instanceof Error) return new IpcFailure('ipc', error.message);
  return new IpcFailure('ipc', typeof error === 'string' ? error : 'Unknown error');
}

async function unwrap<T>(call: () => Promise<Result<T, IpcError>>): Promise<T> {
  let result: Result<T, IpcError>;
  try {
    result = await call();
  } catch (error) {
    throw toFailure(error);
  }
  if (result.status === 'ok') return result.data;
  throw toFailure(result.error);
}

/** Calls a generated command by name (looked up at call time, so tests can mock it). */
function call(name: CommandName, args: unknown[]): Promise<Result<unknown, IpcError>> {
  const command = commands[name] as (...args: unknown[]) => Promise<Result<unknown, IpcError>>;
  return command(...args);
}

export const ipc = Object.fromEntries(
  (Object.keys(commands) as CommandName[]).map((name) => [
    name,
    (...args: unknown[]) => unwrap(() => call(name, args)),
  ]),
) as Ipc;
