"""Every system user row is born through the cap (issue 13 §1: the cap enforced everywhere and
its alert raised): the portal's reservation (``system_user_reserve``, which the admin, the
operator command, onboarding, approvals and give access's neighbours all call) or the sync
importing what Meta lists (``system_users_sync``, with the same ``slot_allocate``, flagging a
business over its cap). No other product code creates one or changes a system user's role, so
no page — give access included — can get round the cap. Read from the source, so a new path
that writes system users directly fails here first."""

from __future__ import annotations

import ast

from tests.test_layout import ROOT, _modules

CREATORS = {"create", "bulk_create", "get_or_create", "update_or_create"}
# (module, function) where a system user row may be born: both take a slot with slot_allocate.
THROUGH_THE_CAP = {
    ("systemusers/services.py", "_reserve"),  # system_user_reserve's locked transaction
    ("sync/system_users.py", "system_users_sync"),
}


def _mentions_system_user(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "SystemUser" for n in ast.walk(node))


def _writes(tree: ast.Module) -> list[tuple[ast.Call, str]]:
    """Calls that make a system user row or set a role on system user rows, with the
    enclosing function's name."""
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        for call in ast.walk(func):
            if not isinstance(call, ast.Call):
                continue
            target = call.func
            if isinstance(target, ast.Name) and target.id == "SystemUser":
                # SystemUser(pk=...) names a row for a task message; it is never saved.
                if [k.arg for k in call.keywords] != ["pk"]:
                    found.append((call, func.name))
            elif (
                isinstance(target, ast.Attribute)
                and _mentions_system_user(target.value)
                and (
                    target.attr in CREATORS
                    or (target.attr == "update" and any(k.arg == "role" for k in call.keywords))
                )
            ):
                found.append((call, func.name))
    return found


def test_system_user_rows_are_born_only_where_the_cap_is_checked():
    product = [p for p in _modules() if p.parts[len(ROOT.parts)] != "sandbox"]
    outside = []
    for path in product:
        relative = path.relative_to(ROOT).as_posix()
        for call, function in _writes(ast.parse(path.read_text())):
            if (relative, function) not in THROUGH_THE_CAP:
                outside.append(f"{relative}:{call.lineno} in {function}()")
    assert outside == []


def test_the_scan_sees_the_two_places_that_do_create_system_users():
    seen = set()
    for relative, function in THROUGH_THE_CAP:
        tree = ast.parse((ROOT / relative).read_text())
        seen |= {(relative, name) for _call, name in _writes(tree) if name == function}
    assert seen == THROUGH_THE_CAP
