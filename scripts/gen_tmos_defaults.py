"""Generate lyncpolicy/data/tmos_profile_base.json from a TMOS profile_base.conf.

The shipped table comes from the TMOS 15.1.8.2 `config/profile_base.conf` that
f5devcentral/f5-corkscrew (Apache-2.0) publishes as test data (see tests/data/corpus).
profile_base.conf lists only what differs from each profile type's schema defaults, so the
type defaults the rules need are added here from F5's documented defaults.

Usage:
    python scripts/gen_tmos_defaults.py PROFILE_BASE_CONF \
        > lyncpolicy/data/tmos_profile_base.json
"""

from __future__ import annotations

import json
import sys

from lyncpolicy.adapters.tmsh import parse_file

# Schema defaults of the profile types whose values rules read (F5 tmsh reference).
TYPE_DEFAULTS = {
    "fastl4": {
        "idle-timeout": "300",
        "loose-initialization": "disabled",
        "loose-close": "disabled",
        "reset-on-timeout": "enabled",
    },
    "tcp": {"idle-timeout": "300", "nagle": "enabled"},
    "udp": {"idle-timeout": "60"},
    "source-addr": {"timeout": "180", "mask": "none", "match-across-services": "disabled"},
    "cookie": {
        "method": "insert",
        "expiration": "0",
        "httponly": "enabled",
        "always-send": "disabled",
    },
}
FULL_KINDS = set(TYPE_DEFAULTS)


def main() -> None:
    result = parse_file(sys.argv[1])
    profiles: dict[str, dict[str, object]] = {}
    for obj in result.objects:
        parts = obj.type.split()
        if parts[:2] not in (["ltm", "profile"], ["ltm", "persistence"]) or len(parts) != 3:
            continue
        kind = parts[2]
        entry: dict[str, object] = {"kind": kind, "family": parts[1]}
        if kind in FULL_KINDS:
            settings = {
                s.key: " ".join(s.values)
                for s in obj.body
                if s.words and s.block is None and len(s.values) == 1
            }
            entry["settings"] = settings
        profiles[obj.full_path or ""] = entry
    json.dump(
        {"source": "TMOS 15.1.8.2 config/profile_base.conf", "type_defaults": TYPE_DEFAULTS,
         "profiles": profiles},
        sys.stdout, indent=1, sort_keys=True,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
