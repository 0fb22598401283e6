/** An error the program reports as `flowcept-otel: error: <message>` with a non-zero exit. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
