/**
 * MLflow run statuses: names as the SQL store keeps them, numeric codes as
 * the file store's `meta.yaml` keeps them, and their Flowcept counterparts.
 */
import { Status, type StatusValue } from "../../../lib/records/records.js";

/** `mlflow.entities.RunStatus` codes. */
export const MLFLOW_STATUS_CODES: Readonly<Record<number, string>> = {
  1: "RUNNING",
  2: "SCHEDULED",
  3: "FINISHED",
  4: "FAILED",
  5: "KILLED",
};

/** The status name for a code or a name (`3` and `"FINISHED"` both give `"FINISHED"`). */
export function mlflowStatusName(value: unknown): string {
  if (typeof value === "number") return MLFLOW_STATUS_CODES[value] ?? `UNKNOWN_${value}`;
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed)) return mlflowStatusName(Number(trimmed));
    return trimmed.toUpperCase() || "UNKNOWN";
  }
  return "UNKNOWN";
}

/** True for statuses after which MLflow writes nothing more to a run. */
export function isTerminalMlflowStatus(name: string): boolean {
  return name === "FINISHED" || name === "FAILED" || name === "KILLED";
}

/**
 * The Flowcept status of an MLflow status. KILLED becomes ERROR: the run
 * ended without completing, and ERROR is Flowcept's only terminal status
 * for that (the MLflow name is kept in `custom_metadata.mlflow_status`).
 */
export function taskStatusOfMlflow(name: string): StatusValue {
  switch (name) {
    case "RUNNING":
      return Status.RUNNING;
    case "SCHEDULED":
      return Status.SUBMITTED;
    case "FINISHED":
      return Status.FINISHED;
    case "FAILED":
    case "KILLED":
      return Status.ERROR;
    default:
      return Status.UNKNOWN;
  }
}
