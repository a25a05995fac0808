#!/usr/bin/env python3
"""Writes the seed corpora of divert's fuzz targets (fuzz/corpus/<target>/seed-*) from the
repository's own files: the shipped policies and their tests, the policy and batch fixtures,
the example cases, the CSV fixtures, and the conditions of the shipped policies as JsonLogic
rules. Run from anywhere; rewrites only the seed-* files (inputs the fuzzer added, named by
their SHA-1, are left alone).

    fuzz/make_corpus.py
"""
import glob
import hashlib
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def rel(*parts):
    return os.path.join(ROOT, *parts)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class Seeds:
    def __init__(self, target):
        self.target = target
        self.items = {}

    def add(self, name, data):
        if isinstance(data, str):
            data = data.encode()
        digest = hashlib.sha1(data).hexdigest()[:10]
        if any(hashlib.sha1(d).hexdigest()[:10] == digest for d in self.items.values()):
            return
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:60]
        self.items["seed-%s-%s" % (safe, digest)] = data

    def write(self):
        d = os.path.join(CORPUS, self.target)
        os.makedirs(d, exist_ok=True)
        for old in glob.glob(os.path.join(d, "seed-*")):
            os.remove(old)
        for name, data in sorted(self.items.items()):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print("%-10s %4d seeds" % (self.target, len(self.items)))


def policy_files():
    out = []
    for pattern in ("policies/*.json", "policies/variants/*.json", "tests/fixtures/policies/**/*.json",
                    "tests/fixtures/diff/*.json"):
        for path in sorted(glob.glob(rel(pattern), recursive=True)):
            name = os.path.basename(path)
            if name.endswith(".tests.json") or ".record." in name or ".case." in name:
                continue
            out.append(path)
    return out


def test_cases():
    """(name, case) of every case in the policy test files and example caseloads."""
    out = []
    for path in sorted(glob.glob(rel("policies/**/*.tests.json"), recursive=True)) + sorted(
            glob.glob(rel("tests/fixtures/policies/**/*.tests.json"), recursive=True)):
        try:
            suite = json.loads(read(path))
        except ValueError:
            continue
        for i, c in enumerate(suite.get("cases", [])):
            if isinstance(c, dict) and "case" in c:
                out.append(("%s-%d" % (os.path.basename(path).split(".")[0], i), c["case"]))
    for path in sorted(glob.glob(rel("tests/fixtures/policies/golden/*.case.json"))):
        out.append((os.path.basename(path), json.loads(read(path))))
    out.append(("intake", json.loads(read(rel("examples/cases/intake.json")))))
    for i, line in enumerate(read(rel("examples/cases/caseload.jsonl")).splitlines()):
        entry = json.loads(line)
        out.append(("caseload-%d" % i, entry.get("case", entry)))
    return out


def conditions(value, out):
    """Every "when" in a policy document."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("when",):
                out.append(v)
            conditions(v, out)
    elif isinstance(value, list):
        for v in value:
            conditions(v, out)


# Compat-mode rules over every operator of both dialects (rule, data).
JSONLOGIC = [
    ({"==": [1, 1]}, None),
    ({"===": [1, "1"]}, None),
    ({"!=": [{"var": "a"}, "x"]}, {"a": "y"}),
    ({"!==": [1, 2]}, None),
    ({"<": [1, {"var": "x"}, 3]}, {"x": 2}),
    ({"<=": [18, {"var": "person.age"}, 24]}, {"person": {"age": 21}}),
    ({">": ["b", "a"]}, None),
    ({">=": [[1], 1]}, None),
    ({"and": [True, {"var": "x"}, 0]}, {"x": [1]}),
    ({"or": [False, None, "", {"var": "y"}]}, {"y": {}}),
    ({"!": [[]]}, None),
    ({"!!": ["0"]}, None),
    ({"if": [{"var": "a"}, "yes", {"var": "b"}, "b", "no"]}, {"a": 0, "b": 1}),
    ({"?:": [True, 1, 2]}, None),
    ({"in": ["Spring", "Springfield"]}, None),
    ({"in": [{"var": "d"}, ["cannabis", "cocaine"]]}, {"d": "cannabis"}),
    ({"cat": ["I love ", {"var": "x"}, 1.5, None, [1, 2]]}, {"x": "pie"}),
    ({"substr": ["jsonlogic", -5, 3]}, None),
    ({"substr": ["\u00e9t\u00e9 \U0001F600", 1, -1]}, None),
    ({"+": ["1", 2.5, {"var": "n"}]}, {"n": -3}),
    ({"-": [5]}, None),
    ({"*": [2, "3", 0.5]}, None),
    ({"/": [1, 0]}, None),
    ({"%": [-7, 3]}, None),
    ({"min": [1, "x", 3]}, None),
    ({"max": []}, None),
    ({"var": ["a.b.0", "default"]}, {"a": {"b": [7]}}),
    ({"var": ""}, [1, 2]),
    ({"var": 1}, ["x", "y"]),
    ({"val": ["a", "b"]}, {"a": {"b": 1}}),
    ({"missing": ["a", "b.c", "d"]}, {"a": 1, "b": {"c": None}}),
    ({"missing_some": [1, ["a", "b", "c"]]}, {"c": 3}),
    ({"merge": [[1, 2], 3, [[4]]]}, None),
    ({"map": [{"var": "xs"}, {"*": [{"var": ""}, 2]}]}, {"xs": [1, 2, 3]}),
    ({"filter": [{"var": "xs"}, {">": [{"var": ""}, 1]}]}, {"xs": [1, 2, 3]}),
    ({"reduce": [{"var": "xs"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]}, {"xs": [1, 2, 3]}),
    ({"reduce": [[1, 2, 3], [{"var": "accumulator"}], []]}, None),
    ({"all": [{"var": "xs"}, {">": [{"var": ""}, 0]}]}, {"xs": [1, 2]}),
    ({"some": [{"var": "s"}, {"==": [{"var": "drug"}, "cannabis"]}]}, {"s": [{"drug": "cannabis"}]}),
    ({"none": [[], True]}, None),
    ({"map": [[[1, 2], [3]], {"map": [{"var": ""}, {"val": [[2], "k"]}]}]}, {"k": 9}),
    ({"try": [{"throw": "bad"}, {"var": "type"}]}, None),
    ({"throw": {"type": "x"}}, None),
    ({"??": [None, {"var": "z"}, 3]}, None),
    ({"exists": ["a", "b"]}, {"a": {"b": None}}),
    ({"length": {"var": "xs"}}, {"xs": "h\u00e9llo"}),
    ({"preserve": {"a": [1, {"b": 2}]}}, None),
    ({"log": "hello"}, None),
    ({"method": ["abc", "toUpperCase"]}, None),
    ({"var": "a"}, {"a": 1e308}),
    ({"+": [1e308, 1e308]}, None),
    ({"*": [-0.0, 1]}, None),
    ({"/": ["x", 2]}, None),
    ({"days_between": ["2022-01-01", "2022-03-01"]}, None),
    ({"months_between": [{"var": "a"}, {"var": "b"}]}, {"a": "2020-01-31", "b": "2020-02-29"}),
    ({"years_between": ["1999-02-28", "2024-02-29"]}, None),
    ({"unknown_op": [1]}, None),
    ([1, {"var": "a"}, [2, {"+": [1, 1]}]], {"a": "x"}),
    ({}, None),
    ({"a": 1, "b": 2}, None),
    ("text", None),
    (None, None),
]


def main():
    policies = policy_files()

    s = Seeds("policy")
    for path in policies:
        s.add(os.path.basename(path), read(path))
    s.add("empty-object", "{}")
    s.add("minimal", compact({"format": "divert-policy/1", "id": "p", "title": "t", "version": "1",
                              "status": "active", "pathways": [{"id": "x", "title": "x", "when": True,
                                                                "disposal": "other", "diverts": True}]}))
    s.add("extends", compact({"format": "divert-policy/1", "extends": "lewisham.json", "id": "v", "title": "v",
                              "version": "1", "status": "proposed", "parameters": {"max_age": 25}}))
    s.add("schema-file", compact({"format": "divert-policy/1", "id": "m", "title": "m", "version": "1",
                                  "status": "active", "case_schema": "mopac_womens_diversion.case.schema.json",
                                  "pathways": [{"id": "x", "title": "x", "when": True, "disposal": "other"}]}))
    s.write()

    cases = test_cases()
    s = Seeds("case")
    for name, case in cases:
        s.add(name, compact(case))
    s.add("range", '{"person":{"age":{"min":18,"max":30}},"substances":[{"drug":"cannabis","amount":{"min":1,"max":2}}]}')
    s.add("not-an-object", "[1,2,3]")
    s.add("syntax", '{"person": {"age": 21,}}')
    s.write()

    s = Seeds("jsonlogic")
    for i, (rule, data) in enumerate(JSONLOGIC):
        s.add("rule-%d" % i, compact(rule) + b"\n" + compact(data))
    sample = compact(json.loads(read(rel("examples/cases/intake.json"))))
    for path in policies[:8]:
        try:
            doc = json.loads(read(path))
        except ValueError:
            continue
        found = []
        conditions(doc, found)
        for i, when in enumerate(found):
            s.add("%s-when-%d" % (os.path.basename(path), i), compact(when) + b"\n" + sample)
    s.write()

    s = Seeds("csv")
    for path in sorted(glob.glob(rel("tests/fixtures/batch/*.csv"))):
        s.add(os.path.basename(path), read(path))
    s.add("quoted", 'Type,Date,Age range,Object of search,Legislation,Outcome\r\n'
                    '"Person search","2016-06-01T00:01:00+00:00","18-24","Controlled drugs","","A no further action ""disposal"""\r\n')
    s.write()

    s = Seeds("jsonl")
    lines = [compact(case) for _, case in cases]
    for i in range(0, len(lines), 8):
        s.add("cases-%d" % i, b"\n".join(lines[i:i + 8]) + b"\n")
    for path in sorted(glob.glob(rel("tests/fixtures/diff/*.jsonl"))):
        s.add(os.path.basename(path), b"\n".join(read(path).splitlines()[:16]) + b"\n")
    s.add("errors", b'{"person":{"age":21}}\n{"person":{"age":21},}\nnot json\n{"a":1,"a":2}\n[]\n'
                    b'{"person":{"age":1e400}}\n{"person":{"age":-0}}\n{"offence":{"type":"canabis"}}\r\n')
    s.write()


if __name__ == "__main__":
    main()
