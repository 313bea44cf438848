"""studies — the shipped experiments (scenarios/experiments/*.json), one module per study. Each
runs the engine, reads its output files, computes the numbers of one literature result with their
95% intervals, draws its figures and derives a verdict from the numbers. The harness here runs
every study under each of its seeds, in its main arm and in its placebo arm (a variant in which
the mechanism is absent), and decides the overall verdict (docs/experiments.md):

- the placebo must come out not reproduced or inconclusive at every seed, else the design cannot
  discriminate and the study says so;
- the main arm's verdict must be the same at every seed, else it depends on the seed.

A study spec is a small JSON file:

    {"study": "free_riding",            # which module runs it (STUDIES)
     "title": "...", "question": "...", "literature": "...", "tested": "...",
     "scenario": "../c5-baseline.yaml", # relative to the spec
     "set": ["PATH=VALUE", ...],        # applied to every run (--set)
     "relevance": 0.01,                 # an effect must reach this share of regional harm
     "design": {"seeds": [1, 2, 3], ...},
     "placebo": {"description": "...", "set": [...], "design": {...}},
     "quick": {...}}                    # overrides of "design" for the reduced version (--quick)

Every run of one arm and seed uses the same seed and replicate indices, so replicate r of any two
runs shares its arrivals, targets and severities (common random numbers): differences are paired.
"""
import json
import os
import time

from .common import (CANNOT_DISCRIMINATE, INCONCLUSIVE, NOT_REPRODUCED, PARTLY, REPRODUCED,
                     SEED_DEPENDENT, VERDICTS, Engine, StudyError, load_spec, placebo_spec)
from . import burden, free_riding, leaks_monitoring, tipping, weakest_link

STUDIES = {
    "free_riding": free_riding.run,
    "burden": burden.run,
    "tipping": tipping.run,
    "weakest_link": weakest_link.run,
    "leaks_monitoring": leaks_monitoring.run,
}

__all__ = ["STUDIES", "StudyError", "Engine", "load_spec", "run_study", "verdict_markdown",
           "VERDICTS", "REPRODUCED", "PARTLY", "NOT_REPRODUCED", "INCONCLUSIVE",
           "CANNOT_DISCRIMINATE", "SEED_DEPENDENT"]


def overall(main_verdicts, placebo_verdicts):
    """The study's verdict from its arms' verdicts at each seed."""
    if any(v in (REPRODUCED, PARTLY) for v in placebo_verdicts):
        return CANNOT_DISCRIMINATE
    if len(set(main_verdicts)) > 1:
        return SEED_DEPENDENT
    return main_verdicts[0]


def run_study(spec, engine, outdir):
    """Run the study's arms at every seed, write verdict.json and verdict.md; returns the
    result dict (the first seed's main arm supplies the figures and detailed findings)."""
    start = time.time()
    study = STUDIES[spec["study"]]
    arms = []
    for k, seed in enumerate(spec["seeds"]):
        for arm, arm_spec in (("main", spec), ("placebo", placebo_spec(spec))):
            if engine.log:
                engine.log(f"{spec['name']}: {arm} arm, seed {seed}")
            result = study(arm_spec, engine.arm(f"s{seed}_{arm}", seed), outdir,
                           draw=(k == 0 and arm == "main"))
            result.update({"seed": seed, "arm": arm})
            arms.append(result)
    main = [a for a in arms if a["arm"] == "main"]
    placebo = [a for a in arms if a["arm"] == "placebo"]
    verdict = overall([a["verdict"] for a in main], [a["verdict"] for a in placebo])
    first = main[0]
    findings = list(first["findings"])
    findings.append("Verdict at each seed (main arm / placebo): " + "; ".join(
        f"seed {m['seed']}: {m['verdict']} / {p['verdict']}" for m, p in zip(main, placebo)) + ".")
    findings.append(f"Placebo ({spec['placebo']['description']}): " +
                    "; ".join(placebo[0]["findings"][:2]))
    if verdict == CANNOT_DISCRIMINATE:
        findings.append("The placebo, in which the mechanism is absent, comes out (partly) reproduced: "
                        "the design cannot tell the mechanism from what else the world does.")
    elif verdict == SEED_DEPENDENT:
        findings.append("The main arm's verdict differs between seeds at this replicate count: "
                        "no verdict is stated.")
    result = {
        "verdict": verdict, "findings": findings, "figures": first["figures"],
        "numbers": first["numbers"], "parts": first.get("parts", {}),
        "arms": [{"seed": a["seed"], "arm": a["arm"], "verdict": a["verdict"],
                  "parts": a.get("parts", {}), "numbers": a["numbers"]} for a in arms],
        "study": spec["study"], "name": spec["name"], "title": spec.get("title", spec["name"]),
        "tested": spec.get("tested", ""), "question": spec.get("question", ""),
        "literature": spec.get("literature", ""), "design_text": spec.get("design_text", ""),
        "placebo": spec["placebo"], "relevance": spec["relevance"], "seeds": spec["seeds"],
        "design": spec["design"], "quick": spec["quick_mode"], "spec": spec["spec_path"],
        "scenario": spec["scenario"], "set": spec["set"], "commands": engine.commands,
        "seconds": round(time.time() - start, 1), "engine_seconds": round(engine.seconds, 1),
    }
    with open(os.path.join(outdir, "verdict.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1, default=float)
    with open(os.path.join(outdir, "verdict.md"), "w", encoding="utf-8") as handle:
        handle.write(verdict_markdown(result))
    return result


def verdict_markdown(result):
    lines = [f"# {result['title']}", "",
             f"**Verdict: {result['verdict']}**" + (" (reduced version, --quick)"
                                                     if result["quick"] else ""), ""]
    for key, label in (("tested", "What is tested"), ("question", "Question"),
                       ("literature", "Literature"), ("design_text", "Design")):
        if result.get(key):
            lines += [f"**{label}.** {result[key]}", ""]
    lines += [f"**Placebo.** {result['placebo']['description']}", "",
              f"**Rules.** Seeds {', '.join(str(s) for s in result['seeds'])}; an effect counts "
              f"when its 95% interval excludes 0 and its size reaches {result['relevance']:.0%} "
              "of the reference run's regional harm (where the study says so); parts resting on "
              "several tests use Holm's correction at family-wise level 0.05.", ""]
    lines += ["**Findings** (means with 95% intervals; differences paired by replicate):", ""]
    lines += [f"- {f}" for f in result["findings"]]
    lines += [""] + [f"![{name}]({name})" for name in result["figures"]]
    lines += ["", f"Commands ({result['seconds']} s in all, {result['engine_seconds']} s in "
                  "the engine):", "", "```"] + result["commands"] + ["```", ""]
    return "\n".join(lines)
