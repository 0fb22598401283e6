"""Reads flowcept-otel's standard exports with the standards' own Python tools and
prints one JSON object of what they found.

  standards_check.py prov DOC.json DOC.jsonld
      prov 3.2.x reads the PROV-JSON and the PROV-O JSON-LD (through rdflib): the
      records of each bundle by PROV type, and the PROV-N text printed from each.
  standards_check.py ro-crate CRATE RO_CRATE_1_1_CONTEXT
      rocrate (ro-crate-py) reads the crate: entities by type; roc-validator validates
      it against the Provenance Run Crate 0.5 profile at the REQUIRED level. The
      validator resolves the RO-Crate 1.1 JSON-LD context over HTTP; here it is served
      from the given file and any other request fails, so nothing is fetched.
  standards_check.py openlineage EVENTS.jsonl SPEC_DIR
      Each event is validated against the official OpenLineage JSON schema (SPEC_DIR:
      OpenLineage.json and facets/*.json), facets against their own schemas, with the
      format checks on (uuid, date-time, uri); then rebuilt with openlineage-python's
      model (its validators run) and serialised back by its Serde.
"""
import io
import json
import sys
from collections import Counter


def prov_check(json_path, jsonld_path):
    import prov.model as pm

    def counts(doc):
        out = {"top": dict(Counter(type(r).__name__ for r in doc.get_records()))}
        for bundle in doc.bundles:
            out[str(bundle.identifier)] = dict(Counter(type(r).__name__ for r in bundle.get_records()))
        return out

    result = {}
    for name, path, kwargs in (("json", json_path, {"format": "json"}), ("jsonld", jsonld_path, {"format": "rdf", "rdf_format": "json-ld"})):
        doc = pm.ProvDocument.deserialize(path, **kwargs)
        provn = doc.get_provn()
        result[name] = {"counts": counts(doc), "provn_chars": len(provn), "provn_head": provn[:200]}
    return result


def ro_crate_check(crate, context_path):
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3 import HTTPResponse

    served = {"https://w3id.org/ro/crate/1.1/context": context_path}
    requested = []

    def send(self, request, **kwargs):
        url = request.url.rstrip("/")
        requested.append(url)
        path = served.get(url)
        if path is None:
            raise requests.ConnectionError(f"no network in this test: {request.url}")
        with open(path, "rb") as f:
            body = f.read()
        raw = HTTPResponse(body=io.BytesIO(body), headers={"Content-Type": "application/ld+json"}, status=200, preload_content=False, request_url=request.url)
        return HTTPAdapter.build_response(self, request, raw)

    HTTPAdapter.send = send

    from rocrate.rocrate import ROCrate

    rc = ROCrate(crate)
    types = Counter()
    for e in rc.get_entities():
        t = e.type
        for x in (t if isinstance(t, list) else [t]):
            types[x] += 1
    main = rc.mainEntity

    from rocrate_validator import services
    from rocrate_validator.models import Severity

    res = services.validate({"rocrate_uri": crate, "profile_identifier": "provenance-run-crate-0.5", "requirement_severity": Severity.REQUIRED, "no_cache": True})
    issues = [{"severity": i.severity.name, "check": i.check.identifier, "message": i.message} for i in res.get_issues()]
    return {
        "rocrate": {"types": dict(types), "main_entity": main.id if main else None, "main_types": main.type if main else None},
        "validator": {"profile": "provenance-run-crate-0.5", "passed": res.passed(), "issues": issues, "requested": sorted(set(requested))},
    }


FACET_SCHEMAS = {
    "parent": ("ParentRunFacet", "run"),
    "errorMessage": ("ErrorMessageRunFacet", "run"),
    "processing_engine": ("ProcessingEngineRunFacet", "run"),
    "jobType": ("JobTypeJobFacet", "job"),
}


def openlineage_check(events_path, spec_dir):
    from importlib.metadata import version
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource

    schemas = {}
    with open(f"{spec_dir}/OpenLineage.json") as f:
        main = json.load(f)
    schemas[main["$id"]] = main
    facet_ids = {}
    for facet, (name, _) in FACET_SCHEMAS.items():
        with open(f"{spec_dir}/facets/{name}.json") as f:
            s = json.load(f)
        schemas[s["$id"]] = s
        facet_ids[facet] = s["$id"]
    registry = Registry().with_resources([(k, Resource.from_contents(v)) for k, v in schemas.items()])
    checker = FormatChecker()
    formats = sorted(f for f in ("uuid", "date-time", "uri") if f in checker.checkers)
    event_validator = Draft202012Validator(main, registry=registry, format_checker=checker)
    facet_validators = {k: Draft202012Validator({"$ref": f"{facet_ids[k]}#/$defs/{FACET_SCHEMAS[k][0]}"}, registry=registry, format_checker=checker) for k in FACET_SCHEMAS}

    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import error_message_run, job_type_job, parent_run, processing_engine_run
    from openlineage.client.serde import Serde

    def rebuild(e):
        rf = {}
        for k, v in e["run"].get("facets", {}).items():
            if k == "parent":
                rf[k] = parent_run.ParentRunFacet(run=parent_run.Run(runId=v["run"]["runId"]), job=parent_run.Job(namespace=v["job"]["namespace"], name=v["job"]["name"]), root=parent_run.Root(run=parent_run.RootRun(runId=v["root"]["run"]["runId"]), job=parent_run.RootJob(namespace=v["root"]["job"]["namespace"], name=v["root"]["job"]["name"])) if "root" in v else None)
            elif k == "errorMessage":
                rf[k] = error_message_run.ErrorMessageRunFacet(message=v["message"], programmingLanguage=v["programmingLanguage"])
            elif k == "processing_engine":
                rf[k] = processing_engine_run.ProcessingEngineRunFacet(version=v["version"], name=v.get("name"), openlineageAdapterVersion=v.get("openlineageAdapterVersion"))
        jf = {}
        for k, v in e["job"].get("facets", {}).items():
            if k == "jobType":
                jf[k] = job_type_job.JobTypeJobFacet(processingType=v["processingType"], integration=v["integration"], jobType=v.get("jobType"))
        return RunEvent(
            eventType=RunState(e["eventType"]),
            eventTime=e["eventTime"],
            producer=e["producer"],
            run=Run(runId=e["run"]["runId"], facets=rf),
            job=Job(namespace=e["job"]["namespace"], name=e["job"]["name"], facets=jf),
            inputs=[InputDataset(namespace=d["namespace"], name=d["name"]) for d in e.get("inputs", [])],
            outputs=[OutputDataset(namespace=d["namespace"], name=d["name"]) for d in e.get("outputs", [])],
        )

    errors = []
    rebuilt_mismatch = []
    types = Counter()
    runs = {}
    n = 0
    with open(events_path) as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            n += 1
            e = json.loads(line)
            types[e.get("eventType")] += 1
            for err in event_validator.iter_errors(e):
                errors.append({"line": line_no, "where": "/".join(map(str, err.absolute_path)), "message": err.message[:300]})
            for scope in ("run", "job"):
                for k, v in e.get(scope, {}).get("facets", {}).items():
                    if k in facet_validators and FACET_SCHEMAS[k][1] == scope:
                        for err in facet_validators[k].iter_errors(v):
                            errors.append({"line": line_no, "where": f"{scope}.facets.{k}/" + "/".join(map(str, err.absolute_path)), "message": err.message[:300]})
            try:
                again = Serde.to_dict(rebuild(e))
                for field in ("eventType", "eventTime", "producer", "schemaURL"):
                    if again.get(field) != e.get(field):
                        rebuilt_mismatch.append({"line": line_no, "field": field, "ours": e.get(field), "client": again.get(field)})
                for ours, client, field in ((e["run"]["runId"], again["run"]["runId"], "runId"), (e["job"]["namespace"], again["job"]["namespace"], "job.namespace"), (e["job"]["name"], again["job"]["name"], "job.name"), (len(e.get("inputs", [])), len(again.get("inputs", [])), "inputs"), (len(e.get("outputs", [])), len(again.get("outputs", [])), "outputs")):
                    if ours != client:
                        rebuilt_mismatch.append({"line": line_no, "field": field, "ours": ours, "client": client})
            except Exception as ex:  # the client's validators refused the event
                errors.append({"line": line_no, "where": "openlineage-python", "message": f"{type(ex).__name__}: {ex}"[:300]})
            runs.setdefault(e["run"]["runId"], []).append(e["eventType"])
    return {"events": n, "by_type": dict(types), "runs": len(runs), "run_states": dict(Counter(" ".join(v) for v in runs.values())), "errors": errors, "client_mismatches": rebuilt_mismatch, "format_checks": formats, "jsonschema": version("jsonschema"), "openlineage_python": version("openlineage-python")}


if __name__ == "__main__":
    kind, *args = sys.argv[1:]
    out = {"prov": prov_check, "ro-crate": ro_crate_check, "openlineage": openlineage_check}[kind](*args)
    print(json.dumps(out, default=str))
