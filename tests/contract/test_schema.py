"""The schema generator (reads Meta's SDK as text) and what the committed schema says about
the edges issue 8 found the portal getting wrong."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from sandbox.schema import SCHEMA_FILE, additions, generate, load

ADOBJECT = """
from facebook_business.api import FacebookRequest

class Thing(AbstractCrudObject):
    class Field(AbstractObject.Field):
        id = 'id'
        owner_business = 'owner_business'

    def api_delete(self, fields=None, params=None):
        param_types = {}
        request = FacebookRequest(node_id=self['id'], method='DELETE', endpoint='/',
                                  target_class=AbstractCrudObject, api_type='NODE')

    def get_contained_ad_accounts(self, fields=None, params=None):
        param_types = {'business': 'string'}
        request = FacebookRequest(node_id=self['id'], method='GET',
                                  endpoint='/contained_adaccounts', target_class=AdAccount)

    def delete_contained_ad_accounts(self, fields=None, params=None):
        param_types = {'asset_id': 'string'}
        request = FacebookRequest(node_id=self['id'], method='DELETE',
                                  endpoint='/contained_adaccounts',
                                  target_class=AbstractCrudObject)

    _field_types = {'id': 'string', 'owner_business': 'Business'}
"""
APICONFIG = "ads_api_config = {{'API_VERSION': '{api}', 'SDK_VERSION': 'v{sdk}'}}\n"


def _sdk_dir(root: Path, api: str = "v25.0", sdk: str = "25.0.3") -> Path:
    package = root / "facebook_business"
    (package / "adobjects").mkdir(parents=True)
    (package / "apiconfig.py").write_text(APICONFIG.format(api=api, sdk=sdk))
    (package / "adobjects" / "thing.py").write_text(ADOBJECT)
    return package


def test_the_generator_records_endpoints_not_method_names() -> None:
    thing = generate.parse_module(ADOBJECT, "thing.py")["Thing"]
    assert set(thing["edges"]) == {"contained_adaccounts"}
    assert thing["edges"]["contained_adaccounts"] == {
        "GET": {"target": "AdAccount", "params": {"business": "string"}},
        "DELETE": {"target": None, "params": {"asset_id": "string"}},
    }
    assert thing["node"] == {"DELETE": {"params": {}}}
    assert thing["fields"] == {"id": "string", "owner_business": "Business"}


def test_a_module_python_cannot_parse_is_left_out_with_a_warning(capsys) -> None:
    assert generate.parse_module("class Broken:\n    or = 'or'\n", "broken.py") == {}
    assert "skipped broken.py" in capsys.readouterr().err


def test_a_wheel_gives_the_same_schema_as_the_unpacked_package(tmp_path: Path) -> None:
    package = _sdk_dir(tmp_path / "unpacked")
    wheel = tmp_path / "facebook_business-25.0.3-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path in package.rglob("*.py"):
            archive.write(path, f"facebook_business/{path.relative_to(package).as_posix()}")
    assert generate.build(wheel) == generate.build(package)
    assert generate.build(wheel)["sdk"] == {
        "package": "facebook-business",
        "version": "25.0.3",
        "api_version": "v25.0",
    }


def test_the_generator_refuses_an_sdk_speaking_another_graph_version(tmp_path: Path) -> None:
    package = _sdk_dir(tmp_path, api="v26.0", sdk="26.0.3")
    out = tmp_path / "schema.json"
    assert generate.main(["--sdk", str(package), "--out", str(out)]) == 1
    assert not out.exists()


def test_the_generator_writes_one_node_per_line(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert generate.main(["--sdk", str(_sdk_dir(tmp_path)), "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[1].startswith('"Thing":') and len(lines) == 3
    assert json.loads(out.read_text())["nodes"]["Thing"]["fields"]["id"] == "string"


# --- what the committed schema (SDK facebook-business 25.0.3) says -------------------------


@pytest.mark.parametrize(
    ("node", "edge", "methods"),
    [
        ("BusinessAssetGroup", "contained_adaccounts", {"GET", "POST", "DELETE"}),
        ("BusinessAssetGroup", "contained_ad_accounts", set()),
        ("AdsPixel", "assigned_users", {"GET", "POST"}),
        ("Business", "offline_conversion_data_sets", set()),
        ("InstagramBusinessAsset", "assigned_users", {"GET", "POST", "DELETE"}),
        ("InstagramBusinessAsset", "agencies", {"GET", "POST", "DELETE"}),
        ("IGUser", "assigned_users", set()),
    ],
)
def test_the_schema_has_exactly_the_methods_meta_serves(node, edge, methods) -> None:
    assert load().edge_methods(node, edge) == methods


def test_no_asset_node_has_access_type_or_access_status() -> None:
    schema = load()
    for node in ("AdAccount", "Page", "AdsPixel", "ProductCatalog", "Application", "Business"):
        assert {"access_type", "access_status"} & set(schema.fields(node)) == set(), node


def test_a_group_lists_assigned_users_without_per_kind_tasks() -> None:
    schema = load()
    assert schema.listed_fields("BusinessAssetGroup", "assigned_users") == {
        "business",
        "id",
        "name",
        "user_type",
    }
    assert "adaccount_tasks" in schema.listed_fields("SystemUser", "assigned_business_asset_groups")


def test_every_hand_kept_addition_names_its_source_and_an_edge_the_sdk_has() -> None:
    schema = load()
    for entry in additions.EDGE_FIELDS:
        assert entry.source.strip(), entry
        for edge in entry.edges:
            listed = schema.edge(entry.node, edge, "GET")
            assert listed is not None and listed.target is not None, (entry.node, edge)
            assert not set(entry.fields) & set(schema.fields(listed.target)), (entry, edge)
    for param in additions.EDGE_PARAMS:
        assert param.source.strip() and schema.edge(param.node, param.edge, param.method)


def test_hand_kept_edges_only_fill_gaps_the_sdk_leaves() -> None:
    raw = json.loads(SCHEMA_FILE.read_text())["nodes"]
    for extra in additions.EDGES:
        assert extra.source.strip(), extra
        assert extra.node in raw, extra
        assert extra.method not in raw[extra.node]["edges"].get(extra.edge, {}), extra
