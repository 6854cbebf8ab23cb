"""The tmsh reader, one test (or a few) per feature, on real corpus files wherever they exist."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from lyncpolicy.adapters.tmsh import ParseResult, Statement, TmshObject, parse_file, parse_text

from lyncpolicy.errors import InputError, TmshSyntaxError

ParseCorpus = Callable[[str], ParseResult]

BATFISH = (
    "batfish__batfish/projects/batfish/src/test/resources/org/batfish/grammar/"
    "f5_bigip_structured/testconfigs/"
)
BATFISH_UNIT = "batfish__batfish/tests/parsing-tests/networks/unit-tests/configs/f5_bigip/"
ACC = "f5devcentral__f5-automation-config-converter/test/"
ACC_PARSER = ACC + "engines/parser/"
CORK = "f5devcentral__f5-corkscrew/tests/archive_generator/archive1/config/"
ANSIBLE = "F5Networks__f5-ansible/test/integration/targets/"
LYNC_TMPL = ANSIBLE + "bigip_iapp_template/files/f5.microsoft_lync_server_2010_2013.v1.3.0.tmpl"
ISSUE_0744 = ANSIBLE + "bigip_iapp_template/files/issue-0744.tmpl"
SERVICE_HTTP19 = ACC + "engines/as3Converter/service_http/service_http19.conf"
IAPP = ACC + "engines/as3Converter/iapp/iapp.conf"
TMCONF = "simonkowallik__tmconfpy/example/test.tmconf"


def by_path(result: ParseResult) -> dict[str | None, TmshObject]:
    return {obj.full_path: obj for obj in result.objects}


def spans(result: ParseResult, type_: str) -> dict[str | None, tuple[int, int]]:
    return {o.full_path: (o.line, o.end_line) for o in result.objects if o.type == type_}


def codes(result: ParseResult) -> list[tuple[str, int | None]]:
    return [(d.code, d.line) for d in result.diagnostics]


def tcl_depth(text: str) -> int:
    """Brace depth of Tcl text at its end (backslash-escaped braces do not count)."""
    depth = 0
    for match in re.finditer(r"\\.|[{}]", text, re.DOTALL):
        if match.group() == "{":
            depth += 1
        elif match.group() == "}":
            depth -= 1
    return depth


def child(stmts: list[Statement], key: str) -> Statement:
    found = [s for s in stmts if s.words and s.words[0] == key]
    assert len(found) == 1, (key, [s.words for s in stmts])
    return found[0]


def read_lines(corpus: Path, relative: str) -> list[str]:
    return (corpus / relative).read_bytes().decode("utf-8", errors="replace").split("\n")


# -- Tcl bodies -----------------------------------------------------------------------------


def test_irule_bodies_count_every_unescaped_brace(parse_corpus: ParseCorpus) -> None:
    result = parse_corpus(BATFISH + "f5_bigip_structured_ltm_rule")
    assert result.diagnostics == []
    assert spans(result, "ltm rule") == {
        "/Common/irule_foo": (7, 28),
        "/Common/empty": (30, 31),
        "/Common/empty_when": (33, 36),
        "/Common/nested_braces": (38, 42),
        "/Common/SOME_RULE4": (44, 54),
        "/Common/comment_ws_if": (56, 62),
        "/Common/ws_set": (64, 68),
        "/Common/varsub_close_bracket": (70, 74),
        "/Common/quote_varsub_escapequote": (76, 80),
        "/Common/proc_single_command": (82, 86),
        "/Common/space_close_bracket": (88, 92),
    }
    rules = by_path(result)
    for path, (_, _) in spans(result, "ltm rule").items():
        rule = rules[path]
        assert rule.raw is not None and rule.body == []
        assert tcl_depth(rule.raw) == 0, path
    assert "{/a/b_%[^_]_%s} b c}]} { }" in (rules["/Common/nested_braces"].raw or "")
    assert 'a "ua=\\"$ua\\" b"' in (rules["/Common/quote_varsub_escapequote"].raw or "")
    assert rules["/Common/empty"].raw == "\n"
    # Comments before the first `when` stay in the Tcl text, verbatim.
    assert (rules["/Common/irule_foo"].raw or "").lstrip().startswith("# Version 1.0")


def test_backslash_escaped_braces_do_not_count_in_tcl() -> None:
    text = (
        "ltm rule /Common/escaped {\n"
        "when HTTP_REQUEST {\n"
        '    HTTP::respond 200 content "\\{ not a block"\n'
        "    set closer \\}\n"
        "}\n"
        "}\n"
        "ltm pool /Common/after { }\n"
    )
    result = parse_text(text, "escaped.conf")
    assert [(o.type, o.full_path, o.line, o.end_line) for o in result.objects] == [
        ("ltm rule", "/Common/escaped", 1, 6),
        ("ltm pool", "/Common/after", 7, 7),
    ]
    assert "set closer \\}" in (result.objects[0].raw or "")


def test_irule_with_when_at_column_zero(parse_corpus: ParseCorpus, corpus: Path) -> None:
    result = parse_corpus(CORK + "bigip.conf")
    lines = read_lines(corpus, CORK + "bigip.conf")
    assert lines[897].startswith("when HTTP_REQUEST {")  # line 898, column 0
    assert spans(result, "ltm rule") == {
        "/Common/app3_rule": (895, 901),
        "/Common/app3_rule2": (902, 908),
        "/Common/app3_rule3": (909, 915),
        "/Common/app4_pool_rule": (916, 959),
        "/Common/app4_pool_rule2": (960, 962),
    }
    rule = by_path(result)["/Common/app3_rule"]
    assert "\nwhen HTTP_REQUEST {" in (rule.raw or "")
    # `when` never starts an object, and reading resumes right after each rule.
    assert not any(o.type.startswith("when") for o in result.objects)
    index = result.objects.index(by_path(result)["/Common/app4_pool_rule2"])
    following = result.objects[index + 1]
    assert (following.type, following.line) == ("ltm snat-translation", 963)


def test_irule_comment_with_unbalanced_brace(parse_corpus: ParseCorpus) -> None:
    result = parse_corpus(ACC_PARSER + "ex14.conf")
    assert len(result.objects) == 7
    assert codes(result) == [("TMSH-TCL-COMMENT-BRACE", 19)]
    assert result.diagnostics[0].level == "warning"
    rule = by_path(result)["/AS3_Tenant/AS3_Application/test_rule_1"]
    assert (rule.type, rule.line, rule.end_line) == ("ltm rule", 19, 39)
    assert "# bad comment { here" in (rule.raw or "")
    assert "pool /Common/https_pool" in (rule.raw or "")
    # The objects after the rule are not swallowed by it.
    assert [o.full_path.rsplit("/", 1)[-1] for o in result.objects if o.full_path] == [
        "test_1",
        "test_3",
        "test_6",
        "test_rule_1",
        "bot_with_css",
        "test_7",
        "test_10",
    ]
    assert by_path(result)["/AS3_Tenant/AS3_Application/bot_with_css"].line == 41


def test_cli_script_body_is_tcl(parse_corpus: ParseCorpus) -> None:
    result = parse_corpus(CORK + "bigip_script.conf")
    assert [(o.type, o.line, o.end_line) for o in result.objects] == [
        ("cli script", 3, 27),
        ("sys application template", 28, 54),
        ("sys application template", 55, 81),
        ("sys application template", 82, 183),
    ]
    script = result.objects[0]
    assert script.full_path == "/Common/__appsvcs_update"
    assert script.body == [] and script.raw is not None
    assert script.raw.startswith("\nproc script::run {} {\n")
    assert "replace-all-with \\{ /Common/source_addr \\{ default yes \\} \\}" in script.raw
    assert 'regsub -all {"} $err {\\"} err' in script.raw
    # ex10: a cli script with `\{` escaped braces after quoted multi-line text.
    ex10 = parse_corpus(ACC_PARSER + "ex10.conf")
    assert spans(ex10, "cli script") == {"/Common/__appsvcs_update": (31, 62)}


def test_application_template_sections_are_tcl_lync(parse_corpus: ParseCorpus) -> None:
    result = parse_corpus(LYNC_TMPL)
    assert result.diagnostics == []
    [template] = result.objects
    assert template.type == "sys application template"
    assert template.full_path == "/Common/f5.microsoft_lync_server_2010_2013.v1.3.0"
    assert (template.line, template.end_line) == (2, 2473)
    definition = child(child(template.body, "actions").block or [], "definition")
    sections = {s.key: s for s in definition.block or []}
    assert list(sections) == ["html-help", "implementation", "presentation", "role-acl", "run-as"]
    for key in ("html-help", "implementation", "presentation"):
        assert sections[key].raw is not None and sections[key].block is None, key
    assert (sections["implementation"].line, sections["presentation"].line) == (13, 1476)
    implementation = sections["implementation"].raw or ""
    assert 'tmsh::include "f5.app_utils"' in implementation
    assert "profiles add \\{ $server_profile_name \\{ context all \\} \\}" in implementation
    assert "edge_external_ip_access_5061" in implementation
    assert sections["presentation"].raw is not None
    assert 'include "/Common/f5.apl_common"' in sections["presentation"].raw
    # After the Tcl sections, tmsh statements are read normally again.
    assert [s.words for s in sections["role-acl"].block or []] == [
        ["admin", "manager", "resource-admin"]
    ]
    assert sections["run-as"].words == ["run-as", "none"]
    assert template.properties()["description"].words == ["description", "none"]


def test_application_template_with_tmsh_text_inside_tcl(parse_corpus: ParseCorpus) -> None:
    result = parse_corpus(ISSUE_0744)
    assert [(o.type, o.full_path, o.line, o.end_line) for o in result.objects] == [
        ("cli admin-partitions", None, 1, 3),
        ("sys application template", "/Common/dynamic_internal_data_group", 5, 97),
    ]
    template = result.objects[1]
    definition = child(child(template.body, "actions").block or [], "definition")
    implementation = child(definition.block or [], "implementation").raw or ""
    # tmsh text at column 0 inside the Tcl stays Tcl text; it is not an object.
    embedded = "\nltm data-group internal url_filtering {\n    __dr__url_filtering__\n"
    assert embedded in implementation
    assert not any(o.type == "ltm data-group internal" for o in result.objects)
    assert template.properties()["description"].values == [
        "iApp dynamic_internal_data_group generated with tmsh2iapp 20180601.3"
    ]


# -- quoted strings -------------------------------------------------------------------------


def test_quoted_names_and_escaped_quotes(parse_corpus: ParseCorpus) -> None:
    result = parse_corpus(ACC_PARSER + "ex7.conf")
    assert [(o.type, o.name, o.line, o.end_line) for o in result.objects] == [
        ("security dos bot-signature", "/Common/Bash Shellshock", 3, 7),
        ("security dos bot-signature", "/Common/Bichoo Spider", 8, 13),
    ]
    shellshock = result.objects[0]
    assert shellshock.full_path == "/Common/Bash Shellshock"
    props = shellshock.properties()
    assert props["category"].values == ["/Common/Exploit Tool"]
    assert props["rule"].values == ['headercontent:"() {"; useragentonly; nocase;']
    assert props["user-defined"].line == 6
    assert result.objects[1].properties()["rule"].values == [
        'headercontent:"Bichoo Spider"; useragentonly; nocase;'
    ]


def test_multiline_quoted_strings(parse_corpus: ParseCorpus) -> None:
    ex10 = by_path(parse_corpus(ACC_PARSER + "ex10.conf"))
    order = ex10["/Common/www.test.com-cert-order"]
    assert (order.line, order.end_line) == (10, 24)
    props = order.properties()
    assert props["order-info"].line == 18
    [info] = props["order-info"].values
    assert info.startswith("{\n") and info.endswith("}")
    assert "orgId 1" in info and "serverType -1" in info
    # The line count continues correctly after the 5-line string.
    assert props["validity-days"].line == 23

    [ex8] = parse_corpus(ACC_PARSER + "ex8.conf").objects
    assert (ex8.full_path, ex8.line, ex8.end_line) == ("/Common/asm-hidden/dos-hidden", 1, 46)
    dumped = json.dumps(ex8.to_dict())
    assert "What code is in the image\\\\?" in dumped
    assert "%DOSL7.captcha.support_id%." in dumped

    [ex13] = parse_corpus(ACC_PARSER + "ex13.conf").objects
    assert (ex13.line, ex13.end_line) == (1, 15)
    page = child(ex13.body, "blocking-page")
    body = child(page.block or [], "body")
    assert body.line == 5
    assert body.values[0].startswith('<!DOCTYPE html>\n<style type="text/css">\n#body {\n')
    assert child(page.block or [], "status-code").line == 12


def test_unterminated_quote_is_a_syntax_error() -> None:
    text = (
        "ltm virtual /Common/vs {\n"
        "    destination /Common/203.0.113.10:443\n"
        '    description "never closed\n'
        "}\n"
    )
    with pytest.raises(TmshSyntaxError) as info:
        parse_text(text, "quote.conf")
    assert info.value.path == "quote.conf"
    assert info.value.line == 3


# -- structure ------------------------------------------------------------------------------


def test_empty_bodies_in_every_spelling(parse_corpus: ParseCorpus) -> None:
    cases = by_path(parse_corpus(BATFISH + "f5_bigip_structured_ltm_virtual_cases"))
    assert len(cases) == 15
    assert (cases["/Common/vlan1"].line, cases["/Common/vlan1"].end_line) == (7, 8)  # `{\n}`
    assert cases["/Common/vlan1"].body == []
    assert (cases["/Common/vlan2"].line, cases["/Common/vlan2"].end_line) == (10, 11)
    unrecognized = parse_corpus(BATFISH + "f5_bigip_structured_unrecognized")
    interface = by_path(unrecognized)["/Common/1.0"]  # `{ }`
    assert (interface.type, interface.line, interface.end_line, interface.body) == (
        "net interface",
        7,
        7,
        [],
    )
    tmconf = parse_corpus(TMCONF)
    [alerts] = [o for o in tmconf.objects if o.type == "asm health-alerts"]  # `{}`
    assert (alerts.line, alerts.end_line, alerts.body) == (619, 619, [])
    inline = parse_text(
        "ltm pool /Common/a {}\nltm pool /Common/b { }\nltm pool /Common/c {\n}\n"
        "ltm pool /Common/d {\n\n}\n",
        "empty.conf",
    )
    assert [(o.full_path, o.line, o.end_line, o.body) for o in inline.objects] == [
        ("/Common/a", 1, 1, []),
        ("/Common/b", 2, 2, []),
        ("/Common/c", 3, 4, []),
        ("/Common/d", 5, 7, []),
    ]


def test_two_objects_on_one_line(parse_corpus: ParseCorpus, corpus: Path) -> None:
    result = parse_corpus(TMCONF)
    assert read_lines(corpus, TMCONF)[618] == "asm health-alerts {}sys provision ltm {"
    on_619 = [(o.type, o.name, o.line, o.end_line) for o in result.objects if o.line == 619]
    assert on_619 == [
        ("asm health-alerts", None, 619, 619),
        ("sys provision", "ltm", 619, 621),
    ]
    provision = [o for o in result.objects if o.line == 619][1]
    assert provision.properties()["level"].values == ["nominal"]
    assert provision.properties()["level"].line == 620
    assert len(result.objects) == 389
    assert result.diagnostics == []


def test_duplicate_headers_are_kept_and_reported(parse_corpus: ParseCorpus) -> None:
    result = parse_corpus(CORK + "bigip.conf")
    assert len(result.objects) == 259
    local_dbs = [o for o in result.objects if o.full_path == "/Common/localDB"]
    assert [(o.type, o.line) for o in local_dbs] == [
        ("apm aaa localdb", 4),
        ("apm aaa localdb", 181),
    ]
    duplicates = [d for d in result.diagnostics if d.code == "TMSH-DUPLICATE"]
    assert [(d.line, d.level) for d in duplicates] == [
        (181, "warning"),
        (317, "warning"),
        (318, "warning"),
        (572, "warning"),
    ]
    assert all(d.path == result.path for d in duplicates)
    assert "/Common/localDB" in duplicates[0].message
    assert "line 4" in duplicates[0].message
    assert "/Common/default-report" in duplicates[3].message and "line 177" in duplicates[3].message
    # TMOS saves compliance objects several times under one name by design: kept, not reported.
    allowed = [o for o in result.objects if o.full_path == "/Common/allowed_list"]
    assert [o.line for o in allowed] == [1619, 1623, 1627, 1631]
    assert not any("allowed_list" in d.message for d in result.diagnostics)


def test_gtm_topology_records_without_a_name(parse_corpus: ParseCorpus) -> None:
    result = parse_corpus(
        ACC + "engines/as3Converter/gslb_topology_records/gslb_topology_records.conf"
    )
    topology = [o for o in result.objects if o.type == "gtm topology"]
    assert [(o.line, o.end_line) for o in topology] == [
        (3, 6),
        (7, 11),
        (12, 16),
        (17, 21),
        (22, 25),
        (26, 30),
    ]
    assert topology[0].name == "ldns: not subnet 192.168.4.0/28 server: continent SA"
    # The key is the record itself; no partition is prepended.
    assert all(o.full_path == o.name for o in topology)
    assert topology[5].full_path == "ldns: not state US/New York server: subnet 192.168.3.0/28"
    assert topology[1].properties()["score"].values == ["2"]
    assert len({o.full_path for o in topology}) == 6
    assert codes(result) == []


def test_relative_names_resolve_to_common(parse_corpus: ParseCorpus) -> None:
    scf = parse_corpus(ANSIBLE + "bigip_config/files/issue-00549.scf")
    assert [(o.type, o.name, o.full_path, o.partition) for o in scf.objects] == [
        ("ltm node", "node3", "/Common/node3", "Common"),
        ("ltm node", "node4", "/Common/node4", "Common"),
    ]
    assert scf.objects[0].properties()["address"].values == ["10.200.24.2"]  # no indentation
    mcp = parse_corpus("jasonrahm__mcp_test_tools/bigip.conf")
    assert [o.full_path for o in mcp.objects] == [
        "/Common/mcp_server_pool",
        "/Common/mcp_websocket",
        "/Common/mcp_tcp",
        "/Common/mcp_oneconnect",
        "/Common/mcp_http",
        "/Common/mcp_virtual",
    ]


def test_admin_partitions_switch_partition_of_relative_names_inline() -> None:
    text = (
        "ltm pool pool_before { }\n"
        "cli admin-partitions {\n"
        "    update-partition Edge\n"
        "}\n"
        "ltm pool pool_after { }\n"
        "ltm pool /Common/absolute { }\n"
        "ltm node 203.0.113.10 {\n"
        "    address 203.0.113.10\n"
        "}\n"
        "cli admin-partitions {\n"
        "    update-partition Common\n"
        "}\n"
        "ltm pool pool_back { }\n"
    )
    result = parse_text(text, "partitions.conf")
    assert [(o.type, o.full_path, o.partition) for o in result.objects] == [
        ("ltm pool", "/Common/pool_before", "Common"),
        ("cli admin-partitions", None, "Common"),
        ("ltm pool", "/Edge/pool_after", "Edge"),
        ("ltm pool", "/Common/absolute", "Edge"),
        ("ltm node", "/Edge/203.0.113.10", "Edge"),
        ("cli admin-partitions", None, "Edge"),
        ("ltm pool", "/Common/pool_back", "Common"),
    ]
    assert result.objects[2].to_dict()["name"] == "/Edge/pool_after"
    assert result.objects[2].to_dict()["name_as_written"] == "pool_after"


def test_admin_partitions_in_real_files(parse_corpus: ParseCorpus) -> None:
    result = parse_corpus(SERVICE_HTTP19)
    admin = [o for o in result.objects if o.type == "cli admin-partitions"]
    assert [(o.line, o.end_line) for o in admin] == [(31, 33)]
    assert admin[0].properties()["update-partition"].values == ["AS3_Tenant"]
    before = [o for o in result.objects if o.line < 31]
    after = [o for o in result.objects if o.line > 33]
    assert before and after
    assert {o.partition for o in before} == {"Common"}
    assert {o.partition for o in after} == {"AS3_Tenant"}
    # Relative names before the switch land in /Common; absolute names never move.
    assert by_path(result)["/Common/update"].type == "sys software"
    assert by_path(result)["/AS3_Tenant/AS3_Application/test_pool"].type == "ltm pool"
    issue = parse_corpus(ISSUE_0744)
    assert issue.objects[1].partition == "Common"


def test_iapp_folders_are_part_of_the_name(parse_corpus: ParseCorpus) -> None:
    iapp = parse_corpus(IAPP)
    assert [o.full_path for o in iapp.objects] == [
        "/AS3_Tenant/AS3_Application.app/wrong_example",
        "/AS3_Tenant/AS3_Application.app/test_gce_iapp_73",
        "/AS3_Tenant/AS3_Application.app/test_aws_iapp_25",
        "/AS3_Tenant/AS3_Application.app/test_azure_iapp_7447",
    ]
    assert {o.type for o in iapp.objects} == {"sys application service"}
    # The `# GCE` style comments above each object are attached to it.
    assert iapp.objects[1].comments == ["# GCE"]
    service = by_path(parse_corpus(SERVICE_HTTP19))["/AS3_Tenant/AS3_Application.app/test_service"]
    assert (service.type, service.line) == ("sys application service", 389)


def test_zebos_section_at_the_end_is_skipped(parse_corpus: ParseCorpus) -> None:
    result = parse_corpus(BATFISH_UNIT + "f5_bigip_structured_with_imish")
    assert [(o.type, o.line, o.end_line) for o in result.objects] == [("sys global-settings", 3, 5)]
    assert codes(result) == [("TMSH-NON-TMSH-SECTION", 7)]
    assert result.diagnostics[0].level == "warning"
    assert result.tmsh_version == "13.1.1"


def test_unknown_object_types_are_kept_generically(parse_corpus: ParseCorpus) -> None:
    result = parse_corpus(BATFISH + "f5_bigip_structured_unrecognized")
    assert [(o.type, o.name, o.line, o.end_line) for o in result.objects] == [
        ("sys global-settings", None, 3, 5),
        ("net uh_oh_unrecognized", None, 6, 6),
        ("net interface", "1.0", 7, 7),
    ]
    assert result.objects[1].to_dict() == {
        "type": "net uh_oh_unrecognized",
        "name": None,
        "file": result.path,
        "line": 6,
        "end_line": 6,
        "properties": {},
    }
    assert result.diagnostics == []


# -- errors ---------------------------------------------------------------------------------


def test_missing_closing_brace_reports_where_the_object_starts() -> None:
    text = (
        "ltm pool /Common/ok { }\n"
        "ltm pool /Common/broken {\n"
        "    members {\n"
        "        /Common/203.0.113.10:443 {\n"
        "            address 203.0.113.10\n"
        "    }\n"
        "}\n"
        "ltm pool /Common/after {\n"
        "    load-balancing-mode least-connections-member\n"
        "}\n"
    )
    with pytest.raises(TmshSyntaxError) as info:
        parse_text(text, "missing.conf")
    assert (info.value.path, info.value.line) == ("missing.conf", 2)
    assert "/Common/broken" in info.value.message


def test_missing_closing_brace_of_an_irule_reports_its_start() -> None:
    text = (
        "ltm pool /Common/ok { }\n"
        "ltm rule /Common/broken {\n"
        "when HTTP_REQUEST {\n"
        "    HTTP::redirect https://[HTTP::host][HTTP::uri]\n"
        "}\n"
        "ltm pool /Common/after { }\n"
    )
    with pytest.raises(TmshSyntaxError) as info:
        parse_text(text, "rule.conf")
    assert (info.value.path, info.value.line) == ("rule.conf", 2)


def test_extra_closing_brace_is_a_syntax_error() -> None:
    text = (
        "ltm pool /Common/a {\n    load-balancing-mode round-robin\n}\n}\nltm pool /Common/b { }\n"
    )
    with pytest.raises(TmshSyntaxError) as info:
        parse_text(text, "extra.conf")
    assert (info.value.path, info.value.line) == ("extra.conf", 4)
    assert isinstance(info.value, InputError)


def test_binary_input_is_a_syntax_error(corpus: Path) -> None:
    with pytest.raises(TmshSyntaxError) as info:
        parse_text("ltm pool /Common/p { }\n\x00\x01\x02", "blob.bin")
    assert (info.value.path, info.value.line) == ("blob.bin", 2)  # the line of the first NUL
    with pytest.raises(TmshSyntaxError) as info:
        parse_text("\x00" + "x" * 100, "blob.bin")
    assert info.value.line == 1
    ucs = str(corpus / ACC / "basic_install.ucs")  # a real gzip tar
    with pytest.raises(TmshSyntaxError) as info:
        parse_file(ucs)
    assert info.value.path == ucs
    assert "binary" in info.value.message
    # An encrypted UCS is ASCII armour: text, but no configuration.
    pgp = str(corpus / ACC / "main/encrypted.ucs")
    with pytest.raises(TmshSyntaxError) as info:
        parse_file(pgp)
    assert (info.value.path, info.value.line) == (pgp, 1)


def test_blocks_nested_too_deep_are_a_syntax_error() -> None:
    """to_dict (``parse --format json``) nests a level per block: it must never recurse
    without end. 32 levels are read; the 33rd is refused where it opens, in both paths."""
    ok = "ltm pool /Common/p {\n" + "    a {\n" * 32 + "    k v\n" + "    }\n" * 32 + "}\n"
    [obj] = parse_text(ok, "deep.conf").objects
    json.dumps(obj.to_dict())
    deep = "ltm pool /Common/p {\n" + "    a {\n" * 1000 + "    }\n" * 1000 + "}\n"
    for text in (deep, deep.replace("a {", "a {}").replace("a {}", "a {", 40)):
        with pytest.raises(TmshSyntaxError) as info:
            parse_text(text, "deep.conf")
        assert (info.value.path, info.value.line) == ("deep.conf", 34)
        assert "nested more than 32 levels" in info.value.message
    inline = "ltm pool /Common/p {\n" + "    a {\n" * 32 + "    b { c }\n" + "}\n" * 33
    with pytest.raises(TmshSyntaxError) as info:
        parse_text(inline, "deep.conf")
    assert info.value.line == 34
    one_line = "ltm pool /Common/p { " + "a { " * 40 + "}" * 40 + " }\n"
    with pytest.raises(TmshSyntaxError) as info:
        parse_text(one_line, "deep.conf")
    assert info.value.line == 1


def test_many_words_before_a_block_are_a_syntax_error() -> None:
    """to_dict nests the block under each word before it (``key a b { }`` ->
    ``{key: {a: {b: {}}}}``): a block after more than 8 words is refused at its line."""
    ok = "ltm pool /Common/p {\n    monitor min 1 of { /Common/a /Common/b }\n}\n"
    assert parse_text(ok, "w.conf").objects[0].body[0].words == ["monitor", "min", "1", "of"]
    for body in ("    " + "w " * 9 + "{\n    }\n", "    " + "w " * 1000 + "{ }\n"):
        with pytest.raises(TmshSyntaxError) as info:
            parse_text("ltm pool /Common/p {\n    k v\n" + body + "}\n", "w.conf")
        assert (info.value.line, info.value.message) == (
            3,
            "a block opened after more than 8 words",
        )
    # A one-line object has every word of its body before its first block until it is split
    # into statements (`tmsh list ... one-line`): only the split statements count.
    settings = " ".join(f"key{n} value{n}" for n in range(50))
    header = f"ltm profile client-ssl /Common/c {{ {settings} options {{ no-tlsv1 }}"
    [profile] = parse_text(header + " }\n", "w.conf").objects
    assert len(profile.body) == 51 and profile.body[-1].words == ["options"]
    # The same header line going on over more lines is not a one-line object.
    for rest in ("\n}\n", '\n    description "x"\n}\n', ' description "a\nb" }\n'):
        with pytest.raises(TmshSyntaxError) as info:
            parse_text(header + rest, "w.conf")
        assert (info.value.line, info.value.message) == (
            1,
            "a block opened after more than 8 words",
        ), rest
    # Prose in braces is dropped with a warning, whatever its shape.
    prose = "Note {\n    " + "w " * 20 + "{ x }\n}\nltm pool /Common/p { }\n"
    assert [d.code for d in parse_text(prose, "w.conf").diagnostics] == ["TMSH-STRAY-TEXT"]


def test_partition_switches_are_not_reported_as_duplicates() -> None:
    text = (
        "cli admin-partitions {\n    update-partition Edge\n}\nltm pool p { }\n"
        "cli admin-partitions { update-partition Common }\nltm pool p { }\n"
        "cli admin-partitions {\n    update-partition Edge\n}\nltm pool p { }\n"
    )
    result = parse_text(text, "x.scf")
    assert [o.full_path for o in result.objects if o.type == "ltm pool"] == [
        "/Edge/p",
        "/Common/p",
        "/Edge/p",
    ]
    # The objects are still duplicates; the switches are not.
    assert codes(result) == [("TMSH-DUPLICATE", 10)]
    assert "'ltm pool /Edge/p' (first defined at line 4)" in result.diagnostics[0].message


def test_unreadable_path_is_an_input_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.conf")
    with pytest.raises(TmshSyntaxError) as info:
        parse_file(missing)
    assert info.value.path == missing


# -- encodings ------------------------------------------------------------------------------


def _shape(result: ParseResult) -> list[object]:
    def stmts(block: list[Statement] | None) -> object:
        if block is None:
            return None
        return [
            (
                s.line,
                [w.replace("\r", "") for w in s.words],
                stmts(s.block),
                None if s.raw is None else s.raw.replace("\r", ""),
            )
            for s in block
        ]

    return [
        (
            o.type,
            o.full_path,
            o.line,
            o.end_line,
            stmts(o.body),
            None if o.raw is None else o.raw.replace("\r", ""),
        )
        for o in result.objects
    ]


@pytest.mark.parametrize(
    "relative",
    [
        CORK + "bigip.conf",
        CORK + "bigip_script.conf",
        ACC_PARSER + "ex14.conf",
        ACC_PARSER + "ex10.conf",
        TMCONF,
        LYNC_TMPL,
        ANSIBLE + "bigip_config/files/issue-00549.scf",
    ],
    ids=lambda r: r.rsplit("/", 1)[-1],
)
def test_crlf_line_endings_give_the_same_objects(
    relative: str, corpus: Path, parse_corpus: ParseCorpus
) -> None:
    original = parse_corpus(relative)
    text = (corpus / relative).read_bytes().decode("utf-8", errors="replace")
    assert "\r\n" not in text
    crlf = parse_text(text.replace("\n", "\r\n"), original.path)
    assert _shape(crlf) == _shape(original)
    assert codes(crlf) == codes(original)
    assert crlf.tmsh_version == original.tmsh_version


def test_utf8_byte_order_mark_is_ignored(tmp_path: Path, corpus: Path) -> None:
    # Files saved by Windows editors start with a BOM (and usually use CRLF).
    source = corpus / ACC_PARSER / "ex14.conf"
    edited = tmp_path / "bigip.conf"
    edited.write_bytes(b"\xef\xbb\xbf" + source.read_bytes().replace(b"\n", b"\r\n"))
    original = parse_file(str(source))
    result = parse_file(str(edited))
    assert result.tmsh_version == "15.0.1"
    assert _shape(result) == _shape(original)
    assert codes(result) == codes(original)


def test_utf8_byte_order_mark_before_the_first_object(tmp_path: Path, corpus: Path) -> None:
    source = corpus / ANSIBLE / "bigip_config/files/issue-00549.scf"  # starts with `ltm node`
    edited = tmp_path / "edited.scf"
    edited.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    result = parse_file(str(edited))
    assert [o.full_path for o in result.objects] == ["/Common/node3", "/Common/node4"]
    assert result.diagnostics == []


# -- comments, version, JSON ----------------------------------------------------------------


def test_inline_suppression_comments_above_an_object() -> None:
    text = (
        "#TMSH-VERSION: 15.1.8.2\n"
        "ltm pool /Common/edge_access_443_pool { }\n"
        "# Access Edge, external side\n"
        "# lyncpolicy: ignore[LYNC-EDGE-NET-005] edge NIC sits in the DMZ by design (CHG-1234)\n"
        "ltm virtual /Common/edge_access_443_vs {\n"
        "    destination /Common/203.0.113.10:443\n"
        "    # lyncpolicy: ignore[LYNC-EDGE-NET-001] comments inside a body are not suppressions\n"
        "    ip-protocol tcp\n"
        "}\n"
        "#lyncpolicy: ignore[ LYNC-EDGE-SNAT-001 , LYNC-EDGE-NET-002 ]\n"
        "ltm virtual /Common/edge_av_3478_vs {\n"
        "    destination /Common/203.0.113.30:3478\n"
        "    ip-protocol udp\n"
        "}\n"
        "ltm virtual /Common/edge_webconf_443_vs {\n"
        "    destination /Common/203.0.113.20:443\n"
        "}\n"
    )
    result = parse_text(text, "suppress.conf")
    objects = by_path(result)
    assert objects["/Common/edge_access_443_pool"].inline_suppressions() == []
    access = objects["/Common/edge_access_443_vs"]
    assert access.inline_suppressions() == [
        (["LYNC-EDGE-NET-005"], "edge NIC sits in the DMZ by design (CHG-1234)")
    ]
    assert access.comments[0] == "# Access Edge, external side"
    assert objects["/Common/edge_av_3478_vs"].inline_suppressions() == [
        (["LYNC-EDGE-SNAT-001", "LYNC-EDGE-NET-002"], "")
    ]
    # A suppression applies to the next object only.
    assert objects["/Common/edge_webconf_443_vs"].inline_suppressions() == []
    assert objects["/Common/edge_webconf_443_vs"].comments == []
    # The version header is not a comment of the first object.
    assert objects["/Common/edge_access_443_pool"].comments == []


def test_tmsh_version_header(parse_corpus: ParseCorpus) -> None:
    assert parse_corpus(CORK + "bigip.conf").tmsh_version == "15.1.8.2"
    assert parse_corpus(ACC_PARSER + "ex14.conf").tmsh_version == "15.0.1"
    assert parse_corpus(BATFISH + "f5_bigip_structured_cm").tmsh_version == "12.1.4"
    assert parse_corpus(ANSIBLE + "bigip_config/files/issue-00549.scf").tmsh_version is None
    assert parse_corpus(TMCONF).tmsh_version is None
    inline = parse_text("#TMSH-VERSION: 17.1.0\n\nltm pool /Common/p { }\n", "v.conf")
    assert inline.tmsh_version == "17.1.0"
    assert inline.objects[0].comments == []


def test_to_dict_shape(parse_corpus: ParseCorpus) -> None:
    https = parse_corpus(ACC + "engines/as3Converter/service_https/service_https12.conf")
    virtual = https.objects[0].to_dict()
    assert set(virtual) == {"type", "name", "file", "line", "end_line", "properties"}
    assert virtual["type"] == "ltm virtual"
    assert virtual["name"] == "/AS3_Tenant/AS3_Application/serviceMain"
    assert (virtual["file"], virtual["line"], virtual["end_line"]) == (https.path, 1, 29)
    props = virtual["properties"]
    assert isinstance(props, dict)
    assert props["destination"] == "/AS3_Tenant/10.2.32.3%10:443"
    assert props["profiles"] == {
        "/Common/clientssl": {"context": "clientside"},
        "/Common/f5-tcp-progressive": {},
        "/Common/http": {},
        "/Common/serverssl": {"context": "serverside"},
    }
    assert props["persist"] == {"/Common/cookie": {"default": "yes"}}
    assert props["source-address-translation"] == {"type": "automap"}
    redirect = https.objects[1].to_dict()["properties"]
    assert isinstance(redirect, dict)
    assert redirect["rules"] == ["/Common/_sys_https_redirect"]
    json.dumps(virtual)  # JSON-ready

    rules = parse_corpus(BATFISH + "f5_bigip_structured_ltm_rule")
    rule = rules.objects[1].to_dict()
    assert set(rule) == {"type", "name", "file", "line", "end_line", "body"}
    assert rule["body"] == rules.objects[1].raw

    mcp = parse_corpus("jasonrahm__mcp_test_tools/bigip.conf").objects[-1].to_dict()
    assert (mcp["name"], mcp["name_as_written"]) == ("/Common/mcp_virtual", "mcp_virtual")
    mcp_props = mcp["properties"]
    assert isinstance(mcp_props, dict)
    assert mcp_props["rules"] == ["mcp_proxy"]

    cm = parse_corpus(BATFISH + "f5_bigip_structured_cm")
    device = next(o for o in cm.objects if o.type == "cm device").to_dict()["properties"]
    assert isinstance(device, dict)
    unicast = device["unicast-address"]
    assert isinstance(unicast, list) and all(isinstance(item, dict) for item in unicast)


def test_properties_last_statement_wins_and_keeps_lines() -> None:
    text = (
        "ltm virtual /Common/vs {\n"
        "    destination /Common/203.0.113.10:443\n"
        "    vlans-enabled\n"
        "    description first\n"
        "    description second\n"
        "}\n"
    )
    [virtual] = parse_text(text, "p.conf").objects
    props = virtual.properties()
    assert props["description"].values == ["second"] and props["description"].line == 5
    assert props["vlans-enabled"].words == ["vlans-enabled"] and props["vlans-enabled"].values == []
    assert Counter(s.key for s in virtual.body)["description"] == 2
