#!/usr/bin/python3
"""Record schema, loading errors that name file and line, safe appends, the CSV view."""
import csv
import json
import os
import subprocess
import sys
import unittest

import helpers
from pharness import records


class Schema(unittest.TestCase):
    def test_valid(self):
        self.assertEqual(records.validate(helpers.make_record()), [])

    def test_missing_and_wrong_types(self):
        rec = helpers.make_record()
        del rec["time_median"]
        self.assertIn("missing field 'time_median'", records.validate(rec))
        rec = helpers.make_record(workers=2)  # make_record recomputes workers...
        rec["workers"] = 2                     # ...so break it afterwards
        self.assertTrue(any("workers (2) != ranks" in p for p in records.validate(rec)))
        rec = helpers.make_record(result=12)
        self.assertTrue(any("'result' has type int" in p for p in records.validate(rec)))
        rec = helpers.make_record(threads=True)
        self.assertTrue(any("'threads' is a boolean" in p for p in records.validate(rec)))
        rec = helpers.make_record(schema=99)
        self.assertTrue(any("schema version 99" in p for p in records.validate(rec)))

    def test_times_ordered(self):
        rec = helpers.make_record()
        rec["time_min"] = 5.0
        self.assertTrue(any("not ordered" in p for p in records.validate(rec)))

    def test_append_refuses_invalid(self):
        with helpers.tempdir() as d:
            path = os.path.join(d, "r.jsonl")
            rec = helpers.make_record()
            del rec["provenance"]
            with self.assertRaises(ValueError):
                records.append(path, rec)
            self.assertFalse(os.path.exists(path))

    def test_documented_fields(self):
        """results/README.md documents every field of the schema."""
        readme = os.path.join(os.path.dirname(helpers.HARNESS), "results", "README.md")
        with open(readme, encoding="utf-8") as fh:
            text = fh.read()
        for key in list(records.FIELDS) + records.PROVENANCE_FIELDS:
            self.assertIn("`%s`" % key, text, "results/README.md does not document %s" % key)


class LoadAndAppend(unittest.TestCase):
    def write_lines(self, path, lines, final_newline=True):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + ("\n" if final_newline else ""))

    def test_roundtrip(self):
        with helpers.tempdir() as d:
            path = os.path.join(d, "sub", "r.jsonl")
            a, b = helpers.make_record(), helpers.make_record(variant="openmp", threads=2)
            records.append(path, a)
            records.append(path, b)
            got = records.load(path)
            self.assertEqual([r["record_id"] for r in got], [a["record_id"], b["record_id"]])
            with open(path, "rb") as fh:
                self.assertEqual(fh.read().count(b"\n"), 2)

    def test_schema_2_upgrades(self):
        """Schema 2 kept the harness's host and oversubscription next to the program's; a
        schema-2 record loads with the program's alone."""
        with helpers.tempdir() as d:
            path = os.path.join(d, "old.jsonl")
            old = helpers.make_record(schema=2, program_oversubscribed=True, oversubscribed=True)
            old["provenance"] = dict(old["provenance"], program_host="node7", program_cores=1)
            self.write_lines(path, [json.dumps(old)])
            [got] = records.load(path)
            self.assertEqual(got["schema"], records.SCHEMA)
            self.assertNotIn("program_oversubscribed", got)
            self.assertTrue(got["oversubscribed"])
            self.assertEqual(got["provenance"]["host"], "node7")
            self.assertNotIn("program_host", got["provenance"])
            self.assertNotIn("program_cores", got["provenance"])
            self.assertEqual(got["provenance"]["cores"], old["provenance"]["cores"])

    def test_bad_json_names_file_and_line(self):
        with helpers.tempdir() as d:
            path = os.path.join(d, "r.jsonl")
            good = json.dumps(helpers.make_record())
            self.write_lines(path, [good, good, '{"schema": 1, oops', good])
            with self.assertRaises(records.ResultsFileError) as cm:
                records.load(path)
            self.assertEqual(cm.exception.line, 3)
            self.assertIn("%s:3:" % path, str(cm.exception))

    def test_bad_record_names_line(self):
        with helpers.tempdir() as d:
            path = os.path.join(d, "r.jsonl")
            bad = helpers.make_record()
            del bad["result"]
            self.write_lines(path, [json.dumps(helpers.make_record()), json.dumps(bad)])
            with self.assertRaises(records.ResultsFileError) as cm:
                records.load(path)
            self.assertIn(":2: bad record: missing field 'result'", str(cm.exception))

    def test_truncated_last_line(self):
        with helpers.tempdir() as d:
            path = os.path.join(d, "r.jsonl")
            good = json.dumps(helpers.make_record())
            self.write_lines(path, [good, good[: len(good) // 2]], final_newline=False)
            with self.assertRaises(records.ResultsFileError) as cm:
                records.load(path)
            self.assertEqual(cm.exception.line, 2)
            self.assertIn("truncated", str(cm.exception))

    def test_append_never_extends_a_torn_line(self):
        with helpers.tempdir() as d:
            path = os.path.join(d, "r.jsonl")
            good = json.dumps(helpers.make_record())
            self.write_lines(path, [good, good[:40]], final_newline=False)
            with open(path, "rb") as fh:
                before = fh.read()
            with self.assertRaises(records.ResultsFileError) as cm:
                records.append(path, helpers.make_record())
            self.assertIn("%s:2:" % path, str(cm.exception))
            with open(path, "rb") as fh:
                self.assertEqual(fh.read(), before)

    def test_missing_file(self):
        with self.assertRaises(records.ResultsFileError) as cm:
            records.load("/nonexistent/parlab/r.jsonl")
        self.assertIn("no such results file", str(cm.exception))

    def test_cli_reports_bad_file_and_exits_2(self):
        with helpers.tempdir() as d:
            path = os.path.join(d, "r.jsonl")
            self.write_lines(path, [json.dumps(helpers.make_record()), "not json"])
            for sub in (["report", path], ["plot", path, "--out", d], ["compare", path, path]):
                proc = subprocess.run([sys.executable, helpers.SCRIPT] + sub,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      timeout=60)
                self.assertEqual(proc.returncode, 2, sub)
                self.assertIn("%s:2:" % path, proc.stderr.decode())


class CsvView(unittest.TestCase):
    def test_csv_view(self):
        with helpers.tempdir() as d:
            path = os.path.join(d, "runs.jsonl")
            recs = [helpers.make_record(),
                    helpers.make_record(variant="openmp", threads=2, binding=["a b", "c d"],
                                        provenance=dict(helpers.make_record()["provenance"],
                                                        slurm={"job_id": "77",
                                                               "array_task_id": "3"}))]
            for r in recs:
                records.append(path, r)
            csv_path, n = records.write_csv_view(path)
            self.assertEqual(csv_path, os.path.join(d, "runs.csv"))
            self.assertEqual(n, 2)
            with open(csv_path, newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
            self.assertEqual(len(rows), 2)
            self.assertEqual(list(rows[0].keys()), records.CSV_COLUMNS)
            self.assertEqual(rows[1]["variant"], "openmp")
            self.assertEqual(rows[1]["threads"], "2")
            self.assertEqual(rows[1]["provenance.slurm.job_id"], "77")
            self.assertEqual(rows[1]["provenance.slurm.array_task_id"], "3")
            self.assertEqual(rows[1]["binding"], "a b | c d")
            self.assertEqual(rows[0]["oversubscribed"], "false")


if __name__ == "__main__":
    unittest.main(verbosity=2)
