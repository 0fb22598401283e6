/** The message of anything thrown. Never throws. */
export function errorMessage(err: unknown): string {
  try {
    if (err instanceof Error) return err.message || err.name;
    return String(err);
  } catch {
    return "unprintable error";
  }
}
