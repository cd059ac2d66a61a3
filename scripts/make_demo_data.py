"""Regenerate the bundled demo dataset (bayes_mmm/data/datasets/demo.csv + demo_truth.json).

python scripts/make_demo_data.py
"""

from functools import partial
from pathlib import Path

from bayes_mmm.data.simulate import simulate
from bayes_mmm.io import write_atomic

OUT = Path(__file__).resolve().parents[1] / "bayes_mmm" / "data" / "datasets"


def main() -> None:
    sim = simulate(
        156,
        ["tv", "search", "social", "display"],
        ["always_on", "always_on", "flighted", "growing"],
        roi=[1.4, 2.2, 0.9, 0.5],
        decay=[0.6, 0.15, 0.35, 0.3],
        half_saturation=[1.2, 0.8, 1.0, 1.5],
        slope=[1.8, 1.2, 2.0, 1.0],
        mean_spend=[1500, 800, 600, 400],
        media_share=0.4,
        noise=0.05,
        spend_variability=0.6,
        seed=2024,
    )
    frame = sim.frame.copy()
    money = ["sales", *sim.truth.channels]
    frame[money] = frame[money].round(2)
    frame["promo"] = frame["promo"].astype(int)
    write_atomic(OUT / "demo.csv", partial(frame.to_csv, index=False, date_format="%Y-%m-%d"))
    write_atomic(OUT / "demo_truth.json", lambda tmp: tmp.write_text(sim.truth.to_json()))
    print(f"wrote {OUT / 'demo.csv'} ({len(frame)} weeks); true ROI {sim.truth.roi}")


if __name__ == "__main__":
    main()
