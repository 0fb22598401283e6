export { flowceptModel } from "./flowcept-model.js";
export type { FlowceptModelOptions } from "./model-settings.js";
export { PARENT_FORWARD, CHILD_FORWARD } from "./ModelCapture.js";
export { EPOCHS_LOOP } from "./FitCapture.js";
export { TfjsInstrumentation } from "./TfjsInstrumentation.js";
export type { TfjsInstrumentationConfig } from "./TfjsInstrumentation.js";
