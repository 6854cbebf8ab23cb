"""The pre-commit hooks, run by the real pre-commit tool in a throwaway git repository.

The hook repository is a snapshot of this checkout (working tree included) committed in a
temporary folder, so the test exercises `.pre-commit-hooks.yaml` exactly as users get it:
pre-commit builds a virtualenv, installs lyncpolicy from the snapshot and runs the hook on
`git commit`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **IDENTITY}, text=True,
        capture_output=True, check=True,
    )


def _commit(cwd: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    """`git commit` with the pre-commit hook installed; failing is a result, not an error."""
    return subprocess.run(
        ["git", "commit", "-m", message], cwd=cwd, env={**env, **IDENTITY}, text=True,
        capture_output=True,
    )


def _snapshot(target: Path) -> str:
    """Commit the checkout's files (tracked and new, not ignored) into ``target``."""
    listed = _git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not name.startswith("tests/"):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "snapshot")
    return _git(target, "rev-parse", "HEAD").stdout.strip()


def test_hooks_file_declares_both_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"lyncpolicy", "lyncpolicy-terraform"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is True
        assert hook["require_serial"] is True
    import re

    tmsh = re.compile(hooks["lyncpolicy"]["files"])
    for name in ("bigip.conf", "config/bigip_base.conf", "a/partitions/p/bigip.conf",
                 "site.scf", "backups/dev.ucs", "x.qkview"):
        assert tmsh.search(name), name
    for name in ("README.md", "bigip.conf.orig", "plan.json"):
        assert not tmsh.search(name), name
    terraform = re.compile(hooks["lyncpolicy-terraform"]["files"])
    assert terraform.search("infra/edge.tfplan.json")
    assert terraform.search("plan.json")
    assert not terraform.search("package.json")


def test_commit_of_broken_config_fails_and_fixed_one_passes(tmp_path: Path) -> None:
    hook_repo = tmp_path / "hooks"
    hook_repo.mkdir()
    rev = _snapshot(hook_repo)
    work = tmp_path / "work"
    (work / "config").mkdir(parents=True)
    _git(work, "init", "-q")
    (work / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump(
            {"repos": [{"repo": hook_repo.as_uri(), "rev": rev,
                        "hooks": [{"id": "lyncpolicy"}]}]}
        )
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    pre_commit = [sys.executable, "-m", "pre_commit"]
    subprocess.run([*pre_commit, "install"], cwd=work, env=env, check=True,
                   capture_output=True)

    for name in ("bigip_base.conf", "bigip.conf"):
        shutil.copy(EXAMPLES / "broken" / name, work / "config" / name)
    _git(work, "add", "-A")
    broken = _commit(work, env, "broken")
    output = broken.stdout + broken.stderr
    assert broken.returncode != 0, output
    assert "LYNC-EDGE-AV-001" in output
    assert "/Common/edge_av_3478" in output

    # The fix touches bigip.conf only: the hook still reads bigip_base.conf beside it.
    shutil.copy(EXAMPLES / "clean" / "bigip.conf", work / "config" / "bigip.conf")
    _git(work, "add", "-A")
    fixed = _commit(work, env, "fixed")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "lyncpolicy (BIG-IP Lync Edge policy)" in fixed.stderr
    assert fixed.stderr.rstrip().endswith("Passed")
