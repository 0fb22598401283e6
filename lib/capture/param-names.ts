/**
 * Parameter names of a function, read from its source once per wrapped
 * function with a real JavaScript parser (defaults, destructuring, rest,
 * comments, async, arrows, methods, classes all parse correctly).
 */
import { parse, type Node } from "acorn";

/** One parameter as the binder sees it. */
export interface ParamInfo {
  /** The name, for a plain identifier (with or without a default). */
  name?: string;
  /** A `{ a, b }` parameter: the passed object's properties are recorded. */
  destructuredObject?: boolean;
  /** A `...rest` parameter: the remaining arguments are recorded as `arg_<i>`. */
  rest?: boolean;
}

interface AnyNode extends Node {
  [key: string]: any;
}

function paramInfo(p: AnyNode): ParamInfo {
  switch (p.type) {
    case "Identifier":
      return { name: p.name as string };
    case "AssignmentPattern":
      return paramInfo(p.left as AnyNode);
    case "ObjectPattern":
      return { destructuredObject: true };
    case "RestElement":
      return { rest: true };
    default:
      return {};
  }
}

function findFunction(node: AnyNode): AnyNode | undefined {
  if (/Function/.test(node.type)) return node;
  for (const key of ["expression", "body", "declarations", "init", "value", "properties", "0"]) {
    const child = node[key];
    if (Array.isArray(child)) {
      for (const c of child) {
        const f = c && typeof c === "object" ? findFunction(c as AnyNode) : undefined;
        if (f) return f;
      }
    } else if (child && typeof child === "object") {
      const f = findFunction(child as AnyNode);
      if (f) return f;
    }
  }
  return undefined;
}

function tryParse(src: string): AnyNode | undefined {
  try {
    return parse(src, { ecmaVersion: "latest", sourceType: "module", allowAwaitOutsideFunction: true }) as AnyNode;
  } catch {
    return undefined;
  }
}

/**
 * Parameter list of `fn`, or undefined when its source cannot be read (native
 * or bound functions), in which case arguments are recorded as `arg_<i>`.
 */
export function paramsOf(fn: Function): ParamInfo[] | undefined {
  let src: string;
  try {
    src = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) return undefined;
  // Class methods and object methods print as `name(a) {}` / `async *name(a) {}`: wrap them in an object literal.
  const candidates = [`(${src})`, `({${src}})`, `(class { ${src} })`];
  for (const c of candidates) {
    const ast = tryParse(c);
    const f = ast && findFunction(ast);
    if (f && Array.isArray(f.params)) return (f.params as AnyNode[]).map(paramInfo);
  }
  return undefined;
}
