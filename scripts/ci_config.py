"""Write the CI variant of config.yml: the same pipeline and seeds, fewer epochs.

Only epochs change, so CI tests the production pipeline on the production data.
Usage: python scripts/ci_config.py OUT [EPOCHS_FACTOR]
"""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def ci_config(config: dict, factor: float) -> dict:
    for part in config["pipeline"] + config["policies"]:
        if "epochs" in part:
            part["epochs"] = max(1, round(part["epochs"] * factor))
    return config


if __name__ == "__main__":
    out = Path(sys.argv[1])
    factor = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(ci_config(config, factor), sort_keys=False))
    print(f"CI config written to {out}")
