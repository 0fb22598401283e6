/** A report that cannot be made: inputs it cannot use, no such workflow, an unwritable file. (A missing chart package is a `MissingPeerError`.) */
export class ReportError extends Error {
  override readonly name = "ReportError";
}
