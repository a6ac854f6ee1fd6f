"""Fail when NLU quality on the held-out split drops below tests/nlu_thresholds.yml.

Reads intent_report.json from `rasa test nlu` and prints a short summary.
Usage: python scripts/check_nlu.py REPORT_DIR
"""

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SUMMARY_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def per_label(report: dict) -> dict[str, dict]:
    return {k: v for k, v in report.items() if k not in SUMMARY_KEYS and isinstance(v, dict)}


def failures(report: dict, macro_min: float, label_min: float, what: str) -> list[str]:
    problems = []
    macro = report["macro avg"]["f1-score"]
    print(
        f"{what}: macro F1 {macro:.3f} (minimum {macro_min}), "
        f"accuracy {report.get('accuracy', float('nan')):.3f}"
    )
    if macro < macro_min:
        problems.append(f"{what} macro F1 {macro:.3f} < {macro_min}")
    for label, scores in sorted(per_label(report).items()):
        flag = "" if scores["f1-score"] >= label_min else "   <-- below minimum"
        print(
            f"  {label:32} P {scores['precision']:.2f}  R {scores['recall']:.2f}  "
            f"F1 {scores['f1-score']:.2f}  n={scores['support']}{flag}"
        )
        if flag:
            problems.append(f"{what} {label} F1 {scores['f1-score']:.3f} < {label_min}")
    return problems


def main(report_dir: Path) -> int:
    limits = yaml.safe_load((ROOT / "tests" / "nlu_thresholds.yml").read_text())
    intents = json.loads((report_dir / "intent_report.json").read_text())
    problems = failures(intents, limits["intent_macro_f1"], limits["intent_f1"], "intents")
    for problem in problems:
        print(f"FAIL: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
