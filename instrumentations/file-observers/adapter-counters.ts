/** What an adapter has read so far, for reporting (CLI summary, diagnostics). */
export interface AdapterCounters {
  /** Scans completed. */
  scans: number;
  /** Distinct files read at least once (event files, `mlflow.db`, run files). */
  files: number;
  /** Bytes read from disk. */
  bytes: number;
  /** Source records read: TFRecord events, or MLflow runs. */
  records: number;
  /** Records or values read but not used (graph events, images, non-scalar tensors…). */
  skipped: number;
  /** Records dropped as damaged (checksum mismatch, undecodable payload, unreadable store). */
  corrupt: number;
  /** Task records handed to the sink. */
  emitted: number;
  /** Scans or deliveries that failed and will be retried. */
  errors: number;
}

/** Counters at zero. */
export function newAdapterCounters(): AdapterCounters {
  return { scans: 0, files: 0, bytes: 0, records: 0, skipped: 0, corrupt: 0, emitted: 0, errors: 0 };
}
