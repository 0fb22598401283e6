/**
 * The PROV model as PROV-JSON (the W3C member submission read by the `prov`
 * Python package and ProvStore): the bundle's statements under `bundle`,
 * the statements about it at the top.
 */
import type { ProvAttrs, ProvModel, ProvRelation, ProvStatements, ProvValue } from "./prov-model.js";

type Json = Record<string, unknown>;

function value(v: ProvValue): unknown {
  if (typeof v !== "object") return v;
  if ("qname" in v) return { $: v.qname, type: "xsd:QName" };
  return { $: v.dateTime, type: "xsd:dateTime" };
}

function attrs(a: ProvAttrs): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(a)) out[k] = Array.isArray(v) ? v.map(value) : value(v);
  return out;
}

function relation(r: ProvRelation): Json {
  switch (r.kind) {
    case "used":
      return { "prov:activity": r.activity, "prov:entity": r.entity, ...(r.time ? { "prov:time": r.time } : {}), "prov:role": r.role };
    case "wasGeneratedBy":
      return { "prov:entity": r.entity, "prov:activity": r.activity, ...(r.time ? { "prov:time": r.time } : {}), "prov:role": r.role };
    case "wasAssociatedWith":
      return { "prov:activity": r.activity, "prov:agent": r.agent, "prov:plan": r.plan };
    case "wasInformedBy":
      return { "prov:informed": r.informed, "prov:informant": r.informant };
    case "wasDerivedFrom":
      return { "prov:generatedEntity": r.generatedEntity, "prov:usedEntity": r.usedEntity, "prov:activity": r.activity };
    case "wasAttributedTo":
      return { "prov:entity": r.entity, "prov:agent": r.agent };
  }
}

function statements(s: ProvStatements, ids: { n: number }): Json {
  const out: Json = {};
  if (s.entities.length) out.entity = Object.fromEntries(s.entities.map((e) => [e.id, attrs(e.attrs)]));
  if (s.activities.length)
    out.activity = Object.fromEntries(s.activities.map((a) => [a.id, { ...(a.startTime ? { "prov:startTime": a.startTime } : {}), ...(a.endTime ? { "prov:endTime": a.endTime } : {}), ...attrs(a.attrs) }]));
  if (s.agents.length) out.agent = Object.fromEntries(s.agents.map((a) => [a.id, attrs(a.attrs)]));
  for (const r of s.relations) {
    const group = (out[r.kind] ??= {}) as Json;
    group[`_:${r.kind}${++ids.n}`] = relation(r);
  }
  return out;
}

/** The PROV-JSON document of a model. */
export function toProvJson(model: ProvModel): Json {
  const ids = { n: 0 };
  return {
    prefix: { ...model.prefixes },
    ...statements(model.top, ids),
    bundle: { [model.bundle]: statements(model.content, ids) },
  };
}
