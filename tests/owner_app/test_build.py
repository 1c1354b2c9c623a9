"""The owner app type-checks against the schema of the current code and builds for both targets."""
from __future__ import annotations

import json

import pytest

from tests.owner_app import app_build

pytestmark = pytest.mark.slow


def test_vue_tsc_passes_against_the_current_schema(owner_app_schema):
    app_build.typecheck()


def test_a_schema_change_that_breaks_the_app_fails_the_type_check(owner_app_schema, tmp_path):
    """Rename a field the overview reads: vue-tsc must refuse the app (the check is real)."""
    original = owner_app_schema.read_text()
    broken = original.replace("room_revenue: string;", "room_revenue_renamed: string;")
    assert broken != original
    try:
        owner_app_schema.write_text(broken)
        with pytest.raises(AssertionError, match="room_revenue"):
            app_build.typecheck()
    finally:
        owner_app_schema.write_text(original)


def test_h5_and_mp_weixin_build_and_the_mp_main_package_stays_under_1_mb(owner_app_built):
    h5 = app_build.DIST / "h5"
    assert (h5 / "index.html").is_file()
    assert any((h5 / "assets").glob("*.js"))
    mp = app_build.DIST / "mp-weixin"
    app = json.loads((mp / "app.json").read_text())
    pages = json.loads((app_build.APP / "src" / "pages.json").read_text())
    assert app["pages"] == [p["path"] for p in pages["pages"]]
    assert [s["root"] for s in app["subPackages"]] == ["pkg-charts"]
    for page in app["pages"]:
        for ext in ("js", "json", "wxml"):  # a page without styles has no .wxss
            assert (mp / f"{page}.{ext}").is_file(), f"{page}.{ext} missing"
    sizes = app_build.mp_sizes()
    print(f"mp-weixin main package {sizes['main']} B, subpackages {sizes['subpackages']}, H5 {app_build.dir_size(h5)} B")
    assert sizes["main"] < app_build.MAIN_PACKAGE_LIMIT, sizes
    # the chart stays in its subpackage
    assert not (mp / "pages" / "trend").exists()
    # nothing in the H5 build points at a DCloud CDN image (uni-h5's CSS does by default)
    for css in (h5 / "assets").glob("*.css"):
        assert "cdn.dcloud.net.cn" not in css.read_text(), css.name
