/**
 * The PROV model as PROV-O in JSON-LD: the bundle is a named graph (its
 * node carries the statements about it), with a context written inline so
 * that reading the document fetches nothing. A relation that carries a
 * role, time, plan or activity is written in its qualified form only
 * (`prov:qualifiedUsage` with `prov:entity`, `prov:hadRole`, `prov:atTime`…),
 * as the `prov` package writes PROV-O, so reading it back gives each
 * relation once; the others unqualified (`prov:wasInformedBy`).
 */
import type { ProvActivity, ProvAttrs, ProvModel, ProvNode, ProvRelation, ProvStatements, ProvValue } from "./prov-model.js";

type Json = Record<string, unknown>;

/** The JSON-LD context of the documents: PROV-O, XSD, RDFS and the model's prefixes. */
export function provJsonLdContext(model: ProvModel): Json {
  return {
    prov: "http://www.w3.org/ns/prov#",
    xsd: "http://www.w3.org/2001/XMLSchema#",
    rdfs: "http://www.w3.org/2000/01/rdf-schema#",
    ...model.prefixes,
  };
}

const ref = (id: string): Json => ({ "@id": id });
const time = (t: string): Json => ({ "@value": t, "@type": "xsd:dateTime" });

function literal(v: ProvValue): unknown {
  if (typeof v === "string") return { "@value": v };
  if (typeof v === "number") return { "@value": v, "@type": Number.isInteger(v) ? "xsd:long" : "xsd:double" };
  if (typeof v === "boolean") return { "@value": v };
  if ("qname" in v) return ref(v.qname);
  return time(v.dateTime);
}

/** Node properties of attributes: `prov:type` becomes `@type`, `prov:label` `rdfs:label`. */
function properties(a: ProvAttrs, types: string[]): Json {
  const out: Json = {};
  const allTypes = [...types];
  for (const [k, v] of Object.entries(a)) {
    const list = Array.isArray(v) ? v : [v];
    if (k === "prov:type") {
      for (const t of list) if (typeof t === "object" && "qname" in t && !allTypes.includes(t.qname)) allTypes.push(t.qname);
      continue;
    }
    out[k === "prov:label" ? "rdfs:label" : k] = list.map(literal);
  }
  return { "@type": allTypes, ...out };
}

function push(node: Json, key: string, v: unknown): void {
  const list = (node[key] ??= []) as unknown[];
  list.push(v);
}

function graph(s: ProvStatements): Json[] {
  const nodes = new Map<string, Json>();
  const node = (n: ProvNode, types: string[]): Json => {
    const out = { "@id": n.id, ...properties(n.attrs, types) };
    nodes.set(n.id, out);
    return out;
  };
  for (const e of s.entities) node(e, ["prov:Entity"]);
  for (const a of s.agents) node(a, ["prov:Agent"]);
  for (const a of s.activities as ProvActivity[]) {
    const n = node(a, ["prov:Activity"]);
    if (a.startTime) n["prov:startedAtTime"] = time(a.startTime);
    if (a.endTime) n["prov:endedAtTime"] = time(a.endTime);
  }
  const at = (id: string): Json => nodes.get(id) ?? nodes.set(id, { "@id": id }).get(id)!;
  for (const r of s.relations as ProvRelation[]) {
    switch (r.kind) {
      case "used":
        push(at(r.activity), "prov:qualifiedUsage", { "@type": "prov:Usage", "prov:entity": ref(r.entity), "prov:hadRole": { "@value": r.role }, ...(r.time ? { "prov:atTime": time(r.time) } : {}) });
        break;
      case "wasGeneratedBy":
        push(at(r.entity), "prov:qualifiedGeneration", { "@type": "prov:Generation", "prov:activity": ref(r.activity), "prov:hadRole": { "@value": r.role }, ...(r.time ? { "prov:atTime": time(r.time) } : {}) });
        break;
      case "wasAssociatedWith":
        push(at(r.activity), "prov:qualifiedAssociation", { "@type": "prov:Association", "prov:agent": ref(r.agent), "prov:hadPlan": ref(r.plan) });
        break;
      case "wasInformedBy":
        push(at(r.informed), "prov:wasInformedBy", ref(r.informant));
        break;
      case "wasDerivedFrom":
        push(at(r.generatedEntity), "prov:qualifiedDerivation", { "@type": "prov:Derivation", "prov:entity": ref(r.usedEntity), "prov:hadActivity": ref(r.activity) });
        break;
      case "wasAttributedTo":
        push(at(r.entity), "prov:wasAttributedTo", ref(r.agent));
        break;
    }
  }
  return [...nodes.values()];
}

/** The PROV-O JSON-LD document of a model. */
export function toProvJsonLd(model: ProvModel): Json {
  const top = graph(model.top);
  const bundle = top.find((n) => n["@id"] === model.bundle)!;
  bundle["@graph"] = graph(model.content);
  return { "@context": provJsonLdContext(model), "@graph": top };
}
