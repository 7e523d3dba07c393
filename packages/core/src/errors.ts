/** Error types. Every message names the operation (or file) and what was expected. */

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
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}
