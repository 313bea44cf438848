"""test_benchmarks.py — the benchmark tools: world generator, compare, and the quick run's JSON.

The quick run is checked for structure and sanity (every figure present, positive, consistent
with the others), never for speed: CI machines differ. It uses the build that holds $C5SIM
(tools/test sets it), or build/ at the repository root.
"""
import importlib.util
import json
import math
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "benchmarks")
PYTHON = "/usr/bin/python3"


def load_module(name, path):
    from importlib.machinery import SourceFileLoader
    loader = SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


gen_world = load_module("gen_world", os.path.join(BENCH, "gen_world.py"))
compare = load_module("bench_compare", os.path.join(BENCH, "compare"))
runner = load_module("bench_run", os.path.join(BENCH, "run"))


def c5sim_binary():
    return os.environ.get("C5SIM") or os.path.join(ROOT, "build", "engine", "cli", "c5sim")


def build_dir():
    # $C5SIM is BUILD/engine/cli/c5sim
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(c5sim_binary()))))


# ------------------------------------------------------------------ generator

def test_generator_rate_follows_littles_law():
    text, info = gen_world.generate(10000, states=4, width=6, height=5, types=2,
                                    origins_per_type=4, targets_per_type=3, dwell=40, ticks=100)
    assert info["arrival_rate_per_tick"] * info["mean_lifetime_ticks"] == pytest.approx(10000)
    # The rates written in the file add up to the solved total rate.
    rates = [float(line.split("rate:")[1].strip(" }")) for line in text.splitlines()
             if "rate:" in line]
    assert len(rates) == 2 * 4
    assert sum(rates) == pytest.approx(info["arrival_rate_per_tick"], rel=1e-5)
    assert text.count("owner: S") == 30
    assert "ticks: 100" in text and "dwell: 40" in text


def test_generator_lifetime_is_grid_distance_plus_dwell():
    assert gen_world.mean_lifetime([(0, 0)], [(2, 3)], 10) == 15
    assert gen_world.mean_lifetime([(0, 0), (1, 0)], [(1, 0)], 5) == pytest.approx(5.5)


def test_generator_rejects_impossible_worlds():
    with pytest.raises(ValueError):
        gen_world.generate(100, states=10, width=5)
    with pytest.raises(ValueError):
        gen_world.generate(100, types=7)


def test_generated_world_is_a_valid_scenario(tmp_path):
    binary = c5sim_binary()
    path = tmp_path / "world.yaml"
    subprocess.run([PYTHON, os.path.join(BENCH, "gen_world.py"), "--active", "1000",
                    "--states", "3", "--width", "4", "--height", "4", "-o", str(path)],
                   check=True, capture_output=True)
    proc = subprocess.run([binary, "validate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "3 states" in proc.stdout and "16 regions" in proc.stdout
    path = tmp_path / "channels.yaml"
    subprocess.run([PYTHON, os.path.join(BENCH, "gen_world.py"), "--active", "1000",
                    "--states", "3", "--width", "4", "--height", "4", "--channels", "-o",
                    str(path)], check=True, capture_output=True)
    proc = subprocess.run([binary, "validate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "16 regions (4 external)" in proc.stdout and "1 partner" in proc.stdout


# ------------------------------------------------------------------ compare

def measurement(mean, sd, better="lower", n=3):
    return {"mean": mean, "sd": sd, "n": n, "values": [], "unit": "x", "better": better}


def document(ns, ns_sd, rate, rate_sd):
    return {"commit": "abc", "machine": {"cpu_model": "cpu"}, "mode": "quick",
            "synthetic": {"worlds": [{"target_active": 1000,
                                      "engine": {"ns_per_threat_tick": measurement(ns, ns_sd)}}]},
            "ensemble": {"rows": [{"threads": 2,
                                   "replicates_per_s": measurement(rate, rate_sd, "higher")}]}}


def verdicts(old, new):
    return {name: verdict for name, _, _, _, verdict in compare.compare(old, new)}


def test_compare_flags_slowdown_beyond_noise_only():
    old = document(10.0, 0.1, 100.0, 1.0)
    key_ns = "synthetic/worlds/target_active=1000/engine/ns_per_threat_tick"
    key_rate = "ensemble/rows/threads=2/replicates_per_s"
    # 20% more ns and 20% fewer replicates/s, both far beyond 3 sd: both slower.
    result = verdicts(old, document(12.0, 0.1, 80.0, 1.0))
    assert result == {key_ns: "SLOWER", key_rate: "SLOWER"}
    # The same change inside the noise (sd 1.0 each side -> 3 sd = 4.2): not flagged.
    assert verdicts(document(10.0, 1.0, 100, 1), document(12.0, 1.0, 100, 1))[key_ns] == "~"
    # Beyond noise but under 5%: not flagged.
    assert verdicts(document(10.0, 0.01, 100, 1), document(10.3, 0.01, 100, 1))[key_ns] == "~"
    # Improvements are reported as faster, never as slowdowns.
    result = verdicts(old, document(8.0, 0.1, 120.0, 1.0))
    assert result == {key_ns: "faster", key_rate: "faster"}


def test_compare_exit_status(tmp_path):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(document(10.0, 0.1, 100.0, 1.0)))
    new.write_text(json.dumps(document(12.0, 0.1, 100.0, 1.0)))
    script = os.path.join(BENCH, "compare")
    slower = subprocess.run([PYTHON, script, str(old), str(new)], capture_output=True, text=True)
    assert slower.returncode == 1 and "SLOWER" in slower.stdout
    same = subprocess.run([PYTHON, script, str(old), str(old)], capture_output=True, text=True)
    assert same.returncode == 0 and "0 slower" in same.stdout
    missing = subprocess.run([PYTHON, script, str(old), str(tmp_path / "none.json")],
                             capture_output=True, text=True)
    assert missing.returncode == 2


def test_compare_reports_machine_drift_from_the_floor(tmp_path):
    def with_floor(floor_ns):
        doc = document(10.0, 0.1, 100.0, 1.0)
        doc["synthetic"]["worlds"][0]["floor"] = {
            "cpu_ns_per_threat_tick": measurement(floor_ns, 0.01)}
        return doc
    rows = compare.compare(with_floor(4.0), with_floor(4.4))
    assert compare.machine_drift(rows) == pytest.approx(0.10)
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(with_floor(4.0)))
    new.write_text(json.dumps(with_floor(4.4)))
    proc = subprocess.run([PYTHON, os.path.join(BENCH, "compare"), str(old), str(new)],
                          capture_output=True, text=True)
    assert "floor loop" in proc.stdout and "+10.0%" in proc.stdout


def test_compare_ignores_unreliable_figures(tmp_path):
    key_ns = "synthetic/worlds/target_active=1000/engine/ns_per_threat_tick"
    old = document(10.0, 0.1, 100.0, 1.0)
    busy = document(12.0, 0.1, 100.0, 1.0)  # 20% slower, far beyond noise, but on a busy machine
    busy["synthetic"]["worlds"][0]["engine"]["ns_per_threat_tick"]["reliable"] = False
    assert verdicts(old, busy)[key_ns] == "unreliable"
    assert verdicts(busy, old)[key_ns] == "unreliable"  # either side's mark counts
    marked_ok = document(12.0, 0.1, 100.0, 1.0)
    marked_ok["synthetic"]["worlds"][0]["engine"]["ns_per_threat_tick"]["reliable"] = True
    assert verdicts(old, marked_ok)[key_ns] == "SLOWER"
    old_path, new_path = tmp_path / "old.json", tmp_path / "new.json"
    old_path.write_text(json.dumps(old))
    new_path.write_text(json.dumps(busy))
    proc = subprocess.run([PYTHON, os.path.join(BENCH, "compare"), str(old_path),
                           str(new_path)], capture_output=True, text=True)
    assert proc.returncode == 0 and "SLOWER" not in proc.stdout, proc.stdout
    assert "1 measurements ignored" in proc.stdout


def load_of(busy, own, total=20.0, steal=0.0, iowait=0.0):
    return runner.assess_load({"wall_seconds": total / 2, "own_cpu_seconds": own,
                               "load_average": [1.0, 1.0], "total_cpu_seconds": total,
                               "busy_cpu_seconds": busy, "iowait_cpu_seconds": iowait,
                               "steal_cpu_seconds": steal})


def test_runner_marks_figures_of_a_busy_machine():
    # Two CPUs for 10 s: the benchmark alone on one CPU is reliable, whatever the load average.
    assert load_of(busy=10.2, own=10.0)["reliable"] is True
    # Another program on the second CPU: others used half of the CPU time.
    busy = load_of(busy=20.0, own=10.0)
    assert busy["reliable"] is False and busy["other_share"] == pytest.approx(0.5)
    assert "other programs used 50%" in busy["busy_because"][0]
    assert load_of(busy=10.0, own=10.0, steal=2.0)["reliable"] is False
    assert load_of(busy=10.0, own=10.0, iowait=4.0)["reliable"] is False
    # The verdict reaches every measurement of a figure, and a ratio inherits it.
    figure = {"engine": {"ns": measurement(10.0, 0.1)}, "floor": {"ns": measurement(5.0, 0.1)}}
    runner.tag_reliability(figure, busy)
    assert figure["engine"]["ns"]["reliable"] is False
    ratio = runner.ratio_stat(figure["engine"]["ns"], measurement(5.0, 0.1), "ratio", "lower")
    assert ratio["reliable"] is False
    # Samples of several commands combine into one figure's load.
    combined = runner.combine_samples([
        {"wall_seconds": 1, "own_cpu_seconds": 1, "load_average": [0.5, 2.0],
         "total_cpu_seconds": 2, "busy_cpu_seconds": 1, "iowait_cpu_seconds": 0,
         "steal_cpu_seconds": 0},
        {"wall_seconds": 1, "own_cpu_seconds": 1, "load_average": [3.0, 1.0],
         "total_cpu_seconds": 2, "busy_cpu_seconds": 2, "iowait_cpu_seconds": 0,
         "steal_cpu_seconds": 0}])
    assert combined["load_average"] == [0.5, 3.0] and combined["busy_cpu_seconds"] == 3
    assert runner.assess_load(combined)["other_share"] == pytest.approx(0.25)


def test_c5sim_waits_passively_unless_the_user_says(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_WAIT_POLICY", "C5SIM_OMP_WAIT_DEFAULT")}
    proc = subprocess.run([c5sim_binary(), "--version"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and "OpenMP waiting: passive (default)" in proc.stdout
    env["OMP_WAIT_POLICY"] = "active"
    proc = subprocess.run([c5sim_binary(), "--version"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and "OpenMP waiting: set by OMP_WAIT_POLICY" in proc.stdout


# ------------------------------------------------------------------ the quick run

@pytest.fixture(scope="module")
def quick_result(tmp_path_factory):
    output = tmp_path_factory.mktemp("bench") / "quick.json"
    proc = subprocess.run([PYTHON, os.path.join(BENCH, "run"), "--quick", "-o", str(output),
                           "--build-dir", build_dir()], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert str(output) in proc.stdout  # the path is printed at the end
    with open(output) as stream:
        return json.load(stream)


def check_measurement(node, better=None, n=None):
    assert set(node) >= {"mean", "sd", "n", "values", "unit", "better"}
    assert math.isfinite(node["mean"]) and node["mean"] > 0
    assert math.isfinite(node["sd"]) and node["sd"] >= 0
    if better:
        assert node["better"] == better
    if n:
        assert node["n"] == n and len(node["values"]) == n
        mean = sum(node["values"]) / n
        assert node["mean"] == pytest.approx(mean)


def test_quick_provenance(quick_result):
    doc = quick_result
    assert doc["schema"] == "c5sim-benchmark/1" and doc["mode"] == "quick"
    assert doc["errors"] == []
    # The commit is recorded from git; a tree that is not a git checkout (an unpacked tarball)
    # has none, and then the runner must say so with null rather than invent one.
    in_git = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"],
                            capture_output=True).returncode == 0
    if in_git:
        assert len(doc["commit"]) == 40
    else:
        assert doc["commit"] is None
    assert doc["date"].startswith("20")
    machine = doc["machine"]
    assert machine["cpu_model"] and machine["cores"] >= 1
    build = doc["build"]
    assert build["compiler"] and build["version"] and "-std=c11" in build["flags"]
    assert build["meson_options"]["buildtype"]


def test_quick_synthetic_worlds(quick_result):
    synthetic = quick_result["synthetic"]
    worlds = synthetic["worlds"]
    assert [w["target_active"] for w in worlds] == [1000, 10000]
    for world in worlds:
        for part in ("engine", "floor"):
            check_measurement(world[part]["ns_per_threat_tick"], "lower", 3)
            check_measurement(world[part]["cpu_ns_per_threat_tick"], "lower", 3)
            check_measurement(world[part]["threat_ticks_per_s"], "higher", 3)
            assert world[part]["threat_ticks_per_s"]["values"] == pytest.approx(
                [1e9 / ns for ns in world[part]["ns_per_threat_tick"]["values"]])
        for ratio, key, floor in (
                (world["engine_over_floor"], "ns_per_threat_tick", "floor"),
                (world["engine_over_floor_cpu"], "cpu_ns_per_threat_tick", "floor"),
                (world["engine_over_problem_floor"], "ns_per_threat_tick", "problem_floor"),
                (world["engine_over_problem_floor_cpu"], "cpu_ns_per_threat_tick",
                 "problem_floor")):
            assert ratio["mean"] == pytest.approx(world["engine"][key]["mean"]
                                                  / world[floor][key]["mean"])
        # The problem floor streams fewer bytes with a cheaper draw than the design floor.
        check_measurement(world["problem_floor"]["cpu_ns_per_threat_tick"], "lower", 3)
        assert world["problem_floor"]["pool_bytes_per_threat"] == 58
        assert world["floor"]["pool_bytes_per_threat"] == 86
        # How busy the machine was while the figure was measured, and the verdict.
        load = world["load"]
        assert load["reliable"] in (True, False) and len(load["load_average"]) == 2
        assert 0 <= load["other_share"] <= 1 and load["own_cpu_seconds"] > 0
        assert world["engine"]["ns_per_threat_tick"]["reliable"] is load["reliable"]
        assert world["omp_wait"] == "passive (default)" or "OMP_WAIT_POLICY" in os.environ
        # The pool really held about the asked number of threats: between the ramp-up's
        # average and a generous ceiling (Poisson noise and the odd interdiction aside).
        assert 0.4 * world["target_active"] < world["mean_active"] < 1.2 * world["target_active"]
        assert world["mean_active"] <= world["peak_active"] < 1.5 * world["target_active"]
        assert world["floor"]["pool_size"] == pytest.approx(world["mean_active"], rel=0.01,
                                                            abs=1)
        memory = world["memory"]
        assert memory["peak_rss_bytes"] >= memory["workspace_bytes"] >= 0
        assert memory["bytes_per_active_threat"] is not None
    # Each extra threat costs at least the model's per-threat pool arrays (86 B for the fields
    # the floor mirrors) and, with geometric pool growth, well under a few kilobytes.
    assert 86 <= synthetic["marginal_bytes_per_active_threat"] < 4096
    assert synthetic["memory_read_bytes_per_s"] > 1e8
    growth = synthetic["cost_growth"]
    costs = [w["engine"]["ns_per_threat_tick"]["mean"] for w in worlds]
    assert growth["max_over_min_ns_per_threat_tick"] == pytest.approx(max(costs) / min(costs))
    costs = [w["engine"]["cpu_ns_per_threat_tick"]["mean"] for w in worlds]
    assert growth["max_over_min_cpu_ns_per_threat_tick"] == pytest.approx(
        max(costs) / min(costs))
    # the world with the channels on, beside the plain world of the same size
    channels = synthetic["channels_world"]
    assert channels["target_active"] == 10000
    check_measurement(channels["engine"]["ns_per_threat_tick"], "lower", 3)
    plain = [w for w in worlds if w["target_active"] == 10000][0]
    assert channels["over_plain_cpu"]["mean"] == pytest.approx(
        channels["engine"]["cpu_ns_per_threat_tick"]["mean"]
        / plain["engine"]["cpu_ns_per_threat_tick"]["mean"])


def check_scaling(rows, cores):
    assert [r["threads"] for r in rows][0] == 1 and rows[-1]["threads"] == cores
    assert rows[0]["speedup"] == pytest.approx(1.0)
    for row in rows:
        assert row["efficiency"] == pytest.approx(row["speedup"] / row["threads"])
        assert 0 < row["speedup"]


def test_quick_parallel_scaling(quick_result):
    cores = quick_result["machine"]["cores"]
    large = quick_result["large_run"]
    assert large["target_active"] == 10000
    check_scaling(large["rows"], cores)
    for row in large["rows"]:
        check_measurement(row["ns_per_threat_tick"], "lower", 3)
        check_measurement(row["cpu_seconds_per_run"], "lower", 3)
        assert row["cpu_over_one_thread"]["mean"] == pytest.approx(
            row["cpu_seconds_per_run"]["mean"] / large["rows"][0]["cpu_seconds_per_run"]["mean"])
        assert row["reliable"] in (True, False) and "load" in row
    single = quick_result["baseline_replicate"]
    check_measurement(single["seconds"], "lower", 20)
    assert single["threat_ticks"] > 0 and single["peak_active"] >= 1
    ensemble = quick_result["ensemble"]
    for rows, replicates in ((ensemble["rows"], ensemble["replicates"]),
                             (ensemble["rows_without_output"],
                              ensemble["replicates_without_output"])):
        check_scaling(rows, cores)
        for row in rows:
            check_measurement(row["wall_seconds"], "lower", 3)
            check_measurement(row["cpu_seconds"], "lower", 3)
            check_measurement(row["replicates_per_s"], "higher", 3)
            assert row["replicates_per_s"]["values"] == pytest.approx(
                [replicates / seconds for seconds in row["wall_seconds"]["values"]])
    for row in ensemble["rows"]:
        assert row["output_bytes_per_replicate"] > 0


def test_quick_sweep_output_cost(quick_result):
    sweep = quick_result["sweep"]
    assert sweep["variants"] == 11 and sweep["replicates"] == 20
    check_measurement(sweep["wall_seconds_with_output"], "lower", 2)
    check_measurement(sweep["wall_seconds_without_output"], "lower", 2)
    check_measurement(sweep["cpu_seconds_with_output"], "lower", 2)
    check_measurement(sweep["cpu_seconds_without_output"], "lower", 2)
    for key in ("hdf5_share_of_wall", "hdf5_share_of_cpu"):
        share = sweep[key]
        assert 0 <= share["mean"] <= 1 and len(share["values"]) == 2
    assert sweep["output_bytes"] > 0
    assert sweep["output_bytes_per_replicate"] == pytest.approx(
        sweep["output_bytes"] / (11 * 20))


def test_quick_reports_timed(quick_result):
    reports = quick_result["reports"]
    assert reports["replicates"] == 20 and reports["vary"] == "sharing.level=0:1:0.25"
    for key in ("wall_seconds_both", "cpu_seconds_sweep", "cpu_seconds_measures"):
        assert reports[key]["n"] == 1 and 0 < reports[key]["mean"] < 120, key
        assert reports[key]["unit"] == "s" and reports[key]["better"] == "lower"


def test_quick_equilibrium_timed(quick_result):
    equilibrium = quick_result["equilibrium"]
    assert equilibrium["scenario"] == "tests/scenarios/equilibrium_toy.yaml"
    assert equilibrium["profiles"] == 121 + 22  # the toy's grid is exhaustive, plus exclusions
    assert 0 < equilibrium["wall_seconds"]["mean"] < 120


def test_quick_sensitivity_study(quick_result):
    study = quick_result["sensitivity"]
    assert study["factors"] == 8 and study["base_samples"] == 8 and study["points"] == 80
    assert study["work_items"] == 80 and study["output_bytes"] > 0
    assert 0 < study["wall_seconds"]["mean"] < 300 and study["cpu_seconds"]["mean"] > 0
    assert 0 < study["widest_interval"]["mean"] < 10


def test_quick_targets_listed(quick_result):
    targets = {t["name"]: t for t in quick_result["targets"]}
    assert set(targets) == {"engine_over_floor_1e5", "engine_over_reference_1e5",
                            "engine_over_reference_channels_1e5", "cost_growth_1e3_1e6",
                            "ensemble_efficiency_2", "ensemble_efficiency_2_with_output",
                            "large_run_efficiency_2", "large_run_cpu_2_over_1",
                            "hdf5_share_sweep", "quickstart_reports", "equilibrium_baseline",
                            "sensitivity_8_factors_seconds", "sensitivity_8_factors_interval"}
    for target in targets.values():
        assert target["reliable"] in (True, False, None)
    # Quick mode lacks the 10^5 and 10^6 worlds, the 1000-replicate sweep and the quickstart's
    # 200-replicate files (and this run has no reference build): not judged.
    for name in ("engine_over_floor_1e5", "engine_over_reference_1e5",
                 "engine_over_reference_channels_1e5", "cost_growth_1e3_1e6",
                 "large_run_efficiency_2", "large_run_cpu_2_over_1",
                 "hdf5_share_sweep", "quickstart_reports", "equilibrium_baseline",
                 "sensitivity_8_factors_seconds", "sensitivity_8_factors_interval"):
        assert targets[name]["applies"] is False and targets[name]["met"] is None
    for name in ("ensemble_efficiency_2", "ensemble_efficiency_2_with_output"):
        two_threads = quick_result["machine"]["cores"] >= 2
        assert targets[name]["applies"] is two_threads
        assert targets[name]["met"] in ((True, False) if two_threads else (None,))


def test_compare_of_a_run_with_itself_flags_nothing(quick_result, tmp_path):
    path = tmp_path / "quick.json"
    path.write_text(json.dumps(quick_result))
    rows = compare.compare(quick_result, quick_result)
    assert len(rows) > 20 and all(r[4] in ("~", "unreliable") for r in rows)
    proc = subprocess.run([PYTHON, os.path.join(BENCH, "compare"), str(path), str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_tables_render_every_section(quick_result, tmp_path):
    path = tmp_path / "quick.json"
    path.write_text(json.dumps(quick_result))
    proc = subprocess.run([PYTHON, os.path.join(BENCH, "tables"), str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for heading in ("### Synthetic worlds", "### One large run", "### Baseline ensemble",
                    "### Baseline sweep", "### Targets"):
        assert heading in proc.stdout
    assert proc.stdout.count("| 1,000 |") == 1 and proc.stdout.count("| 10,000 |") == 1


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
