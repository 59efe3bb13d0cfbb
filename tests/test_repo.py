"""The machinery around the book: workflows, dev container, front door, pins."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def load_workflow(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), flags=re.M))


def test_zizmor_finds_nothing() -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "zizmor"),
            "--offline",
            "--no-progress",
            str(ROOT / ".github" / "workflows"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_hygiene(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    workflow = load_workflow(path)
    assert "pull_request_target" not in text
    assert workflow.get("permissions") == {"contents": "read"}, "least privilege at the top level"
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
            run = step.get("run", "")
            if run.count("\n") > 1:
                assert run.lstrip().startswith("set -euo pipefail"), f"{path.name}: {step.get('name')}"
            assert not step.get("continue-on-error"), "no step may fail silently"


def test_linkcheck_runs_on_every_pull_request_and_weekly() -> None:
    workflow = load_workflow(ROOT / ".github" / "workflows" / "linkcheck.yml")
    assert "pull_request" in workflow["on"] and "schedule" in workflow["on"]
    assert "make linkcheck" in (ROOT / ".github" / "workflows" / "linkcheck.yml").read_text()


def test_linkcheck_has_two_speeds_and_one_standing_issue() -> None:
    """On a pull request, added links block and the full check reports; weekly, one issue is kept up to date."""
    jobs = load_workflow(ROOT / ".github" / "workflows" / "linkcheck.yml")["jobs"]
    changed = jobs["changed-links"]
    assert "pull_request" in changed["if"] and not changed.get("continue-on-error")
    run = "\n".join(step.get("run", "") for step in changed["steps"])
    assert "make linkcheck-changed" in run and "linkcheck-changed" in make_targets()
    assert any("GITHUB_TOKEN" in step.get("env", {}) for step in changed["steps"]), (
        "GitHub requests carry the token"
    )
    assert "pull_request" in str(jobs["linkcheck"]["continue-on-error"]), (
        "the full check reports, not blocks, on PRs"
    )
    report = "\n".join(step.get("run", "") for step in jobs["report"]["steps"])
    assert "gh issue list" in report and "gh issue comment" in report and "gh issue close" in report


def test_every_workflow_job_has_a_timeout() -> None:
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        for name, job in load_workflow(path)["jobs"].items():
            if "uses" in job:
                continue  # a call to a reusable workflow; the called workflow's own jobs carry the timeouts
            assert isinstance(job.get("timeout-minutes"), int), f"{path.name}: job {name} has no timeout"


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), flags=re.M)


def test_deploy_publishes_dirhtml_to_pages() -> None:
    text = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    assert "_build/dirhtml" in text and "actions/deploy-pages@" in text


def test_deploy_publishes_only_what_passed_ci() -> None:
    """Pages are published by a job of the CI workflow that needs the tests, on pushes to main only."""
    deploy = load_workflow(ROOT / ".github" / "workflows" / "deploy.yml")
    assert set(deploy["on"]) == {"workflow_call", "workflow_dispatch"}, "no trigger of its own on push"
    job = load_workflow(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]["deploy"]
    assert job["needs"] == "test" and job["uses"] == "./.github/workflows/deploy.yml"
    assert "github.event_name == 'push'" in job["if"] and "refs/heads/main" in job["if"]


def test_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make serve", "make test"]
    assert {"serve", "test", "live", "help"} <= make_targets()


def test_devcontainer_parses_and_its_commands_exist() -> None:
    config = json.loads((ROOT / ".devcontainer" / "devcontainer.json").read_text(encoding="utf-8"))
    assert "3.11" in config["image"]
    assert 8000 in config["forwardPorts"]
    for key in ("postCreateCommand", "postAttachCommand"):
        command = config[key].split()
        assert command[0] == "make" and command[1] in make_targets(), config[key]
    assert config["customizations"]["vscode"]["extensions"]


def test_requirements_are_exact_pins_compiled_from_a_short_list() -> None:
    top = [
        line for line in (ROOT / "requirements.in").read_text().splitlines() if line and not line.startswith("#")
    ]
    assert any(line.startswith("jupyter-book>=1,<2") for line in top)
    pins = [
        line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line and not line.lstrip().startswith("#")
    ]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[^\s]+", line.strip()) for line in pins)
    assert re.search(r"^jupyter-book==1\.", (ROOT / "requirements.txt").read_text(), flags=re.M)


def test_make_conf_gives_a_conf_py_that_loads_every_extension(tmp_path: Path) -> None:
    """`make live` runs sphinx-autobuild on the conf.py that `make conf` writes: it must find _ext/."""
    import shutil

    for name in ("Makefile", "_config.yml", "_toc.yml", "requirements.txt"):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    shutil.copytree(ROOT / "_ext", tmp_path / "_ext")
    venv = ROOT / ".venv"
    result = subprocess.run(["make", "-C", str(tmp_path), "conf", f"VENV={venv}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    check = (
        "import importlib, os, sys; os.chdir(sys.argv[1]); ns = {}; "
        "exec(open('conf.py').read(), ns); [importlib.import_module(e) for e in ns['extensions']]"
    )
    result = subprocess.run(
        [sys.executable, "-c", check, str(tmp_path)], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert 'sys.path.insert(0, os.path.abspath("_ext"))' in (tmp_path / "conf.py").read_text()


# The theme's own script that _static/scripts/furo.js replaces, as it was when the override was last reviewed.
FURO_REVIEWED = ("2025.12.19", "0df6012bf9183882fc314d1eeaa66fe7705e8694cf27351c4be1f5dc32e9fe6f")


def test_the_furo_script_override_is_reviewed_against_the_installed_theme() -> None:
    """_static/scripts/furo.js replaces furo's script of the same name. When an upgrade changes furo's script,
    this fails, so that someone compares the two before the override silently drops a new feature or fix."""
    import hashlib
    import importlib.metadata

    import furo

    theirs = Path(furo.__file__).parent / "theme" / "furo" / "static" / "scripts" / "furo.js"
    digest = hashlib.sha256(theirs.read_bytes()).hexdigest()
    version = importlib.metadata.version("furo")
    assert (ROOT / "_static" / "scripts" / "furo.js").is_file()
    assert "_static/scripts/furo.js" in (ROOT / "_config.yml").read_text(encoding="utf-8"), (
        "named next to html_theme"
    )
    assert (version, digest) == FURO_REVIEWED, (
        f"furo {version} ships a different furo.js: compare it with _static/scripts/furo.js, port what changed, "
        f"then set FURO_REVIEWED = ({version!r}, {digest!r})"
    )


def test_dependabot_updates_actions_and_lock_files_grouped_with_a_cooldown() -> None:
    import yaml

    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    updates = {entry["package-ecosystem"]: entry for entry in config["updates"]}
    assert set(updates) == {"github-actions", "pip"}
    for ecosystem, entry in updates.items():
        assert entry["directory"] == "/" and entry["schedule"]["interval"] == "weekly", ecosystem
        assert entry["cooldown"]["default-days"] >= 3, f"{ecosystem}: new releases wait before they are proposed"
        assert entry["groups"] and all(group["patterns"] == ["*"] for group in entry["groups"].values()), ecosystem


def test_make_build_reports_a_failed_build_again_until_it_is_fixed(tmp_path: Path) -> None:
    """Sphinx saves its environment before it reports warnings, so after a failed strict build a second
    `make build` used to find nothing out of date and call the book a success. It must fail again."""
    import os
    import shutil

    shutil.copy2(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy2(ROOT / "requirements.txt", tmp_path / "requirements.txt")  # keeps its time: no pip install
    (tmp_path / "_config.yml").write_text('title: T\nauthor: A\nexecute:\n  execute_notebooks: "off"\n')
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: other\n")
    (tmp_path / "index.md").write_text("# T\n\nSee [the other page](missing.md).\n")
    (tmp_path / "other.md").write_text("# Other\n\nText.\n")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}

    def make_build() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["make", "-C", str(tmp_path), "build", f"VENV={ROOT / '.venv'}"],
            capture_output=True,
            text=True,
            env=env,
        )

    first = make_build()
    assert first.returncode != 0 and "missing" in first.stdout + first.stderr, first.stdout[-2000:]
    second = make_build()
    assert second.returncode != 0, "a second build after a failure must not pass without reading anything"
    assert "the last build failed" in second.stdout and "missing" in second.stdout + second.stderr
    (tmp_path / "index.md").write_text("# T\n\nSee [the other page](other.md).\n")
    fixed = make_build()
    assert fixed.returncode == 0, fixed.stdout[-2000:] + fixed.stderr[-2000:]
    assert not (tmp_path / "_build" / ".failed").exists()
    again = make_build()
    assert again.returncode == 0 and "the last build failed" not in again.stdout


def test_make_test_runs_lint_and_pre_commit_uses_the_same_tools_at_the_pinned_versions() -> None:
    """`make lint` (run by `make test`, so by CI) and pre-commit check the same things with the same versions."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_rule = re.search(r"^test:([^#\n]*)", makefile, flags=re.M)
    assert test_rule and "lint" in test_rule.group(1).split(), "make test depends on make lint"
    lint_recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, flags=re.M)
    assert lint_recipe
    tools = {"ruff", "codespell", "yamllint", "zizmor"}
    for tool in tools:
        assert f"$(BIN)/{tool}" in lint_recipe.group(1), f"make lint runs {tool}"
    pins = dict(re.findall(r"^([a-z0-9-]+)==(\S+)", (ROOT / "requirements-dev.txt").read_text(), flags=re.M))
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    used = {}
    for hook in hooks:
        assert hook["language"] == "python", f"{hook['id']}: installs from PyPI"
        for requirement in hook["additional_dependencies"]:
            name, version = requirement.split("==")
            used[name] = version
            assert pins.get(name) == version, (
                f"{hook['id']}: {requirement}, requirements-dev.txt pins {pins.get(name)}"
            )
    assert set(used) == tools


def tracked_symlinks(root: Path) -> dict[str, str]:
    out = subprocess.run(["git", "ls-files", "-s"], cwd=root, capture_output=True, text=True, check=True).stdout
    links = [line.split("\t", 1)[1] for line in out.splitlines() if line.startswith("120000 ")]

    def show(link: str) -> str:
        cmd = ["git", "cat-file", "-p", f":{link}"]
        return subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=True).stdout

    return {link: show(link) for link in links}


def test_no_local_environment_or_outside_link_is_tracked() -> None:
    """A worktree's `.venv -> /work/main/.venv` link once slipped into a commit; merging it replaced main's venv."""
    links = tracked_symlinks(ROOT)
    bad = {link: target for link, target in links.items() if target.startswith("/") or ".." in Path(target).parts}
    assert not bad, f"tracked symlinks that point outside the repository (git rm --cached them): {bad}"
    out = subprocess.run(
        ["git", "ls-files", ".venv", "node_modules", "_build"], cwd=ROOT, capture_output=True, text=True
    )
    assert not out.stdout.strip(), (
        f"local environments are tracked by git (git rm --cached them): {out.stdout.split()}"
    )
