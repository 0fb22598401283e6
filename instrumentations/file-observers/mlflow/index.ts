export { MlflowSource, mlflowStorePath } from "./MlflowSource.js";
export { readMlflowSqlStore } from "./mlflow-sql-store.js";
export type { SqlStoreContents } from "./mlflow-sql-store.js";
export { listFileStoreRuns, readFileStoreRun, runDirSignature, parseMetricLines } from "./mlflow-file-store.js";
export type { ExperimentCache, FileStoreExperiment, FileStoreRunDir, FileStoreRunContents } from "./mlflow-file-store.js";
export { mlflowRunToTask, isLaterMetric } from "./mlflow-run.js";
export type { MlflowRun, MlflowMetric, MlflowRecordContext } from "./mlflow-run.js";
export { MLFLOW_STATUS_CODES, mlflowStatusName, taskStatusOfMlflow, isTerminalMlflowStatus } from "./mlflow-status.js";
