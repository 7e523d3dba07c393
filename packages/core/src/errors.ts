/** Error types. Every message names the operation (or file) and what was expected. */

const CONFIGURATION_ERROR = Symbol.for('@crossedit/core.ConfigurationError');

/**
 * The run is misconfigured (bad hyperparameters or options, missing statistics or artifacts, no
 * usable backend), as opposed to one edit failing. Evaluation loops stop on these instead of recording
 * a failed edit, so a rerun after the fix evaluates those edits. Plugins derive their own errors of
 * this kind from it.
 */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
  /** Brand read by {@link isConfigurationError}, so the check survives two copies of this package. */
  readonly [CONFIGURATION_ERROR] = true;
}

/**
 * Whether `e` is a {@link ConfigurationError} (of any copy of `@crossedit/core`: a plugin installed
 * beside the CLI may bring its own).
 */
export function isConfigurationError(e: unknown): e is ConfigurationError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[CONFIGURATION_ERROR] === true;
}

/** A tensor operation received inputs it cannot accept (shapes, dtypes, attributes). */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** A tensor was used after its storage was released. */
export class DisposedError extends Error {
  override name = 'DisposedError';
}

/** A file (checkpoint, tokenizer, dataset) is missing, corrupt or of an unexpected form. */
export class FormatError extends Error {
  override name = 'FormatError';
  /**
   * @param file the path of the offending file
   * @param detail what was wrong, naming the field and what was expected
   */
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** A backend cannot run here (no adapter, missing driver), with the fix in the message. */
export class BackendUnavailableError extends ConfigurationError {
  override name = 'BackendUnavailableError';
}
