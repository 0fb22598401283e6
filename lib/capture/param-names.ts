/**
 * Parameter names and literal default values of a function, read from its
 * source once per wrapped function with a real JavaScript parser (defaults,
 * destructuring, rest, comments, async, arrows, methods, classes all parse
 * correctly).
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
  /**
   * What is recorded when the argument is left out (Flowcept applies
   * defaults too): the default's value when it is a literal, else a marker
   * saying it was not evaluated. Absent when the parameter has no default.
   */
  default?: { value: unknown };
}

/** Longest default expression quoted in a "not evaluated" marker. */
const MAX_DEFAULT_TEXT = 80;

const NOT_LITERAL = Symbol("not a literal");

/** The value of a literal expression (numbers, strings, booleans, null, arrays and objects of those), or NOT_LITERAL. */
function literalValue(n: AnyNode): unknown {
  switch (n.type) {
    case "Literal":
      return n.regex !== undefined ? NOT_LITERAL : n.value;
    case "TemplateLiteral":
      return n.expressions.length === 0 ? n.quasis[0].value.cooked : NOT_LITERAL;
    case "UnaryExpression": {
      if (n.operator !== "-" && n.operator !== "+") return NOT_LITERAL;
      const v = literalValue(n.argument as AnyNode);
      if (typeof v === "number") return n.operator === "-" ? -v : v;
      if (typeof v === "bigint") return n.operator === "-" ? -v : NOT_LITERAL;
      return NOT_LITERAL;
    }
    case "ArrayExpression": {
      const out: unknown[] = [];
      for (const e of n.elements as (AnyNode | null)[]) {
        const v = e === null ? null : literalValue(e);
        if (v === NOT_LITERAL) return NOT_LITERAL;
        out.push(v);
      }
      return out;
    }
    case "ObjectExpression": {
      const out: Record<string, unknown> = {};
      for (const p of n.properties as AnyNode[]) {
        if (p.type !== "Property" || p.kind !== "init" || p.computed || p.method) return NOT_LITERAL;
        const key = p.key.type === "Identifier" ? (p.key.name as string) : p.key.type === "Literal" ? String(p.key.value) : undefined;
        const v = literalValue(p.value as AnyNode);
        if (key === undefined || key === "__proto__" || v === NOT_LITERAL) return NOT_LITERAL;
        out[key] = v;
      }
      return out;
    }
    default:
      return NOT_LITERAL;
  }
}

function defaultOf(p: AnyNode, src: string): { value: unknown } {
  const v = literalValue(p.right as AnyNode);
  if (v !== NOT_LITERAL) return { value: deepFreeze(v) };
  const text = src.slice(p.right.start as number, p.right.end as number).replace(/\s+/g, " ");
  return { value: `[default not evaluated: ${text.length > MAX_DEFAULT_TEXT ? `${text.slice(0, MAX_DEFAULT_TEXT - 1)}…` : text}]` };
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object") {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

interface AnyNode extends Node {
  [key: string]: any;
}

function paramInfo(p: AnyNode, src: string): ParamInfo {
  switch (p.type) {
    case "Identifier":
      return { name: p.name as string };
    case "AssignmentPattern": {
      const inner = paramInfo(p.left as AnyNode, src);
      return inner.name === undefined ? inner : { ...inner, default: defaultOf(p, src) };
    }
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
    if (f && Array.isArray(f.params)) return (f.params as AnyNode[]).map((p) => paramInfo(p, c));
  }
  return undefined;
}
