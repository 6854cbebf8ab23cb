"""Build the example UCS archives from the example tmsh folders (reproducibly).

    python scripts/make_example_ucs.py        # writes examples/ucs/{clean,broken}.ucs

A UCS is a gzip'd tar of a device's /config and more. These hold what lyncpolicy reads
(config/bigip_base.conf, config/bigip.conf) plus a few members it must skip, with fixed
timestamps and owners so the bytes only change when the configuration does.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXED_TIME = 1700000000  # 2023-11-14: any constant keeps the archive reproducible

EXTRA_MEMBERS = {
    "config/bigip.license": b"#  License: example only, not a real license\n",
    "var/local/ucs/version": b"BIG-IP 15.1.8.2 Build 0.0.3 Point Release 2\n",
    "config/filestore/files_d/Common_d/certificate_d/:Common:default.crt_1": b"(example)\n",
}


def build(folder: Path) -> bytes:
    members = {f"config/{name}": (folder / name).read_bytes()
               for name in ("bigip_base.conf", "bigip.conf")}
    members.update(EXTRA_MEMBERS)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name in sorted(members):
            data = members[name]
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = FIXED_TIME
            info.mode = 0o644
            info.uname = info.gname = "root"
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=FIXED_TIME) as stream:
        stream.write(raw.getvalue())
    return out.getvalue()


def main() -> None:
    target = ROOT / "examples" / "ucs"
    target.mkdir(exist_ok=True)
    for name in ("clean", "broken"):
        (target / f"{name}.ucs").write_bytes(build(ROOT / "examples" / name))
        print(f"wrote examples/ucs/{name}.ucs")


if __name__ == "__main__":
    main()
