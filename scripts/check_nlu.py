"""Fail when NLU quality drops below tests/nlu_thresholds.yml, and say where.

Reads intent_report.json from `rasa test nlu` and prints per-intent precision,
recall and F1 with out-of-scope precision and recall. One evaluation set per call:
``heldout`` (the 20% split of bot/data/nlu), ``paraphrase`` (tests/nlu, written
apart from the training data) or ``cv`` (cross-validation, reported, not gated).
Usage: python scripts/check_nlu.py SET REPORT_DIR
"""

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SUMMARY_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def per_label(report: dict) -> dict[str, dict]:
    return {k: v for k, v in report.items() if k not in SUMMARY_KEYS and isinstance(v, dict)}


def summarise(report: dict, what: str) -> None:
    oos = report.get("out_of_scope", {})
    print(
        f"{what}: macro F1 {report['macro avg']['f1-score']:.3f}, "
        f"accuracy {report.get('accuracy', float('nan')):.3f}, out_of_scope "
        f"P {oos.get('precision', float('nan')):.2f} R {oos.get('recall', float('nan')):.2f}"
    )
    for label, scores in sorted(per_label(report).items(), key=lambda kv: kv[1]["f1-score"]):
        print(
            f"  {label:28} P {scores['precision']:.2f}  R {scores['recall']:.2f}  "
            f"F1 {scores['f1-score']:.2f}  n={scores['support']}"
        )


def failures(report: dict, limits: dict, what: str) -> list[str]:
    problems = []
    macro = report["macro avg"]["f1-score"]
    if macro < limits.get("macro_f1", 0):
        problems.append(f"{what} macro F1 {macro:.3f} < {limits['macro_f1']}")
    for label, scores in per_label(report).items():
        if scores["f1-score"] < limits.get("intent_f1", 0):
            problems.append(f"{what} {label} F1 {scores['f1-score']:.3f} < {limits['intent_f1']}")
    recall = report.get("out_of_scope", {}).get("recall", 0.0)
    if recall < limits.get("out_of_scope_recall", 0):
        problems.append(
            f"{what} out_of_scope recall {recall:.3f} < {limits['out_of_scope_recall']}"
        )
    return problems


def main(which: str, report_dir: Path) -> int:
    limits = yaml.safe_load((ROOT / "tests" / "nlu_thresholds.yml").read_text()).get(which, {})
    report = json.loads((report_dir / "intent_report.json").read_text())
    summarise(report, which)
    problems = failures(report, limits, which)
    for problem in problems:
        print(f"FAIL: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
