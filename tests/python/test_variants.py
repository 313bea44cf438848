"""test_variants.py — variant files (docs/scenario-format.md): accepted wherever a scenario is,
errors at the variant's own line and column, provenance of both files in the output."""
import os
import subprocess

import h5py

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
SCENARIOS = os.path.join(SOURCE_ROOT, "scenarios")


def c5sim(*args):
    return subprocess.run([C5SIM, *args], capture_output=True, text=True, timeout=300)


def write(path, text):
    path.write_text(text)
    return str(path)


def test_variant_runs_and_records_both_sources(tmp_path):
    base = os.path.join(SCENARIOS, "channels.yaml")
    variant = write(tmp_path / "v.yaml", f"variant: everything shared\nbase: {base}\n"
                    "set:\n  sharing.level: 1.0\n  states.BETA.mitigation.cyber: 0.9\n")
    done = c5sim("validate", variant)
    assert done.returncode == 0 and done.stdout.startswith(variant + ": ok:"), done.stderr
    described = c5sim("describe", variant).stdout
    assert "BETA    cyber                   0.25        0.9" in described
    out = tmp_path / "v.h5"
    done = c5sim("run", variant, "-r", "3", "-q", "-o", str(out))
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        source = f["/scenario/source"][()]
        source = source.decode() if isinstance(source, bytes) else str(source)
        assert source.startswith("# c5sim variant file") and "variant: everything shared" in source
        assert "# base scenario" in source and "Three states and every channel" in source


def test_variant_errors_name_the_variant_position(tmp_path):
    base = os.path.join(SCENARIOS, "channels.yaml")
    variant = write(tmp_path / "bad.yaml", f"variant: typo\nbase: {base}\nset:\n"
                    "  states.BETTA.leak: 0.3\n")
    done = c5sim("validate", variant)
    assert done.returncode == 2
    assert f"{variant}:4:3: error: states.BETTA: no state named BETTA (did you mean BETA?)" \
        in done.stderr
    missing = write(tmp_path / "nobase.yaml", "variant: lost\nbase: nowhere.yaml\nset: {a: 1}\n")
    done = c5sim("validate", missing)
    assert done.returncode == 2 and "cannot open the file" in done.stderr
    assert f"{missing}:2:7: error: base: the base scenario did not load" in done.stderr
    nested = write(tmp_path / "nested.yaml", f"variant: twice\nbase: {variant}\nset: {{a: 1}}\n")
    done = c5sim("validate", nested)
    assert done.returncode == 2
    unknown = write(tmp_path / "unknown.yaml", f"variant: x\nbase: {base}\nsets: {{a: 1}}\n")
    done = c5sim("validate", unknown)
    assert "did you mean 'set'?" in done.stderr and done.returncode == 2
