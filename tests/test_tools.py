"""The data is reproducible: the transcription tools re-create every CSV in data/ byte for byte."""

from __future__ import annotations

import shutil
import subprocess
import sys

from conftest import DATA, ROOT


def test_tools_recreate_the_data_exactly(tmp_path):
    (tmp_path / "data" / "source").mkdir(parents=True)
    shutil.copy(
        DATA / "source" / "kommunstyrelsen-budget-2025-2027.txt", tmp_path / "data" / "source"
    )
    for script in ("gen_tables.py", "gen_text_tables.py", "gen_claims.py"):
        p = subprocess.run(
            [sys.executable, str(ROOT / "tools" / script)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert p.returncode == 0, p.stderr
    source = tmp_path / "data" / "source" / "kommunstyrelsen-budget-2025-2027.txt"
    p = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "extract_text.py"),
            str(source),
            str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    made = sorted(f.name for f in (tmp_path / "data").glob("*.csv"))
    shipped = sorted(f.name for f in DATA.glob("*.csv"))
    assert made == shipped
    for name in shipped:
        assert (tmp_path / "data" / name).read_bytes() == (DATA / name).read_bytes(), name
