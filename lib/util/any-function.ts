/** Any function, with any `this`: what the wrappers accept and give back with the same signature. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (this: any, ...args: any[]) => any;
