export { instrumentPiscina } from "./instrument-piscina.js";
export { PiscinaInstrumentation } from "./PiscinaInstrumentation.js";
export type { PiscinaInstrumentationConfig } from "./PiscinaInstrumentation.js";
