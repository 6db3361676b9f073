"""Every bad drawing of issue 22, made with ezdxf here, refused with a named reason (or passed at a
limit); nothing is stored for a refused drawing."""

from __future__ import annotations

import dataclasses
import functools

import ezdxf
import pytest
import shapely
from django.contrib.gis.geos import GEOSGeometry

from drawings.models import DrawingCheck, DrawingShape
from drawings.records import DrawingRefused
from drawings.services import drawing_submit
from drawings.uploads import LIMITS, drawing_read
from tests.drawings.conftest import Spec, add_long_polyline, drawing, drawing_doc, dxf_bytes
from tests.surveys.conftest import E0, N0

pytestmark = pytest.mark.django_db


def refused(issuance, data: bytes, code: str, *, name: str = "drawing.dxf", limits=LIMITS, **params) -> DrawingRefused:
    with pytest.raises(DrawingRefused) as caught:
        drawing_submit(request_id=issuance.pk, actor=issuance.applicant, data=data, name=name, limits=limits)
    assert caught.value.code == code, caught.value.message
    for key, value in params.items():
        assert caught.value.params[key] == value
    assert caught.value.message  # a translated sentence, never the code
    assert DrawingCheck.objects.count() == 0 and DrawingShape.objects.count() == 0
    return caught.value


def passes(issuance, data: bytes, *, limits=LIMITS) -> DrawingCheck:
    check = drawing_submit(request_id=issuance.pk, actor=issuance.applicant, data=data, name="d.dxf", limits=limits)
    assert check.pk and check.file.name.endswith(".dxf")
    return check


@pytest.mark.hostile("drawing geometry")
@pytest.mark.parametrize("layer", ["FLR_1_FOOTPRINT", "PLOT_BOUNDARY", "PARKING_SLOT"])
def test_an_open_polyline_is_refused_naming_its_layer(issuance, layer):
    doc = drawing_doc()
    msp = doc.modelspace()
    msp.add_lwpolyline([(1, 13), (5, 13), (5, 16)], close=False, dxfattribs={"layer": layer})
    error = refused(issuance, dxf_bytes(doc), "open_polyline", layer=layer)
    assert layer in error.message


@pytest.mark.hostile("drawing convention")
def test_everything_on_layer_0_is_refused(issuance):
    spec = Spec(
        layers={n: "0" for n in ("PLAN_INFO", "PLOT_BOUNDARY", "PARKING_SLOT", "HEIGHT")}
        | {f"FLR_{n}_FOOTPRINT": "0" for n in range(4)}
    )
    error = refused(issuance, drawing(spec), "no_convention_layers")
    assert "0" in error.message


@pytest.mark.hostile("drawing convention")
@pytest.mark.parametrize(
    ("change", "code", "layer"),
    [
        ({"layers": {"PLOT_BOUNDARY": "SITE"}}, "plot_count", "PLOT_BOUNDARY"),
        ({"layers": {"FLR_2_FOOTPRINT": "FLR_5_FOOTPRINT"}}, "floor_gap", "FLR_2_FOOTPRINT"),
        ({"info": ("USE residential",)}, "plan_info_line", "PLAN_INFO"),
        ({"info": ("COLOUR=blue",)}, "plan_info_key", "PLAN_INFO"),
    ],
)
def test_off_convention_layers_are_named(issuance, change, code, layer):
    refused(issuance, drawing(Spec(**change)), code, layer=layer)


@pytest.mark.hostile("drawing units")
def test_millimetres_instead_of_metres(issuance):
    error = refused(issuance, drawing(Spec(scale=1000.0)), "millimetres")
    assert "0.001" in error.params["scale"]


@pytest.mark.hostile("drawing units")
@pytest.mark.parametrize("scale", [1.05, 0.9, 100.0])
def test_a_scale_far_from_one_is_refused_with_the_figure(issuance, scale):
    error = refused(issuance, drawing(Spec(scale=scale)), "scale")
    assert float(error.params["scale"]) == pytest.approx(1 / scale, rel=1e-3)


def _asymmetric_measured(issuance):
    """The accepted survey's boundary made a trapezoid (the west side 2 m shorter): a mirror image of
    it is not the same plot."""
    from surveys.selectors import accepted_survey_for

    survey = accepted_survey_for(obj=issuance)
    trapezoid = shapely.Polygon([(E0, N0 + 3), (E0 + 10, N0 + 3), (E0 + 10, N0 + 29), (E0, N0 + 27)])
    type(survey).objects.filter(pk=survey.pk).update(geom=GEOSGeometry(trapezoid.wkt, srid=32640))
    return ((0.0, 0.0), (10.0, 0.0), (10.0, 26.0), (0.0, 24.0))


@pytest.mark.hostile("drawing placement")
def test_a_mirrored_plan_is_refused(issuance):
    plot = _asymmetric_measured(issuance)
    # the plan drawn as the plot's mirror image, then moved and turned in the drawing's frame
    error = refused(issuance, drawing(Spec(plot=plot, mirror=True, rotate_deg=30, offset=(100, 50))), "mirrored")
    assert float(error.params["mirrored"]) < 0.01 < float(error.params["residual"])
    # the same plan not mirrored, turned and moved, is placed (residual 0)
    check = passes(issuance, drawing(Spec(plot=plot, rotate_deg=30, offset=(100, 50))))
    assert check.placement["method"] == "fit" and check.residual_m < 0.01
    assert check.placement["rotation_deg"] == pytest.approx(-30, abs=0.01)


@pytest.mark.hostile("drawing placement")
@pytest.mark.parametrize(
    ("drawn_plot", "code"),
    [
        (((0, 0), (15, 0), (15, 20), (0, 20)), "wrong_parcel"),
        (((0, 0), (10, 0), (10, 26), (5, 30), (0, 26)), "corner_count"),
    ],
)
def test_a_plan_of_another_parcel_is_refused(issuance, drawn_plot, code):
    error = refused(issuance, drawing(Spec(plot=drawn_plot)), code)
    if code == "wrong_parcel":
        assert float(error.params["residual"]) > 0.3


@pytest.mark.hostile("drawing placement")
def test_a_utm_drawing_elsewhere_is_refused_and_on_the_parcel_used_as_is(issuance):
    refused(issuance, drawing(Spec(offset=(E0 + 40, N0 + 3))), "utm_elsewhere")
    check = passes(issuance, drawing(Spec(offset=(E0, N0 + 3))))
    assert check.placement["method"] == "utm" and check.residual_m == 0


@pytest.mark.hostile("drawing geometry")
def test_overlapping_floor_polygons_are_refused(issuance):
    doc = drawing_doc()
    doc.modelspace().add_lwpolyline(
        [(0, 20), (10, 20), (10, 24), (0, 24)], close=True, dxfattribs={"layer": "FLR_2_FOOTPRINT"}
    )
    error = refused(issuance, dxf_bytes(doc), "overlap", layer="FLR_2_FOOTPRINT")
    assert error.params["area"] == "40.00"


@pytest.mark.hostile("drawing dimensions")
@pytest.mark.parametrize("text", ["9.5", "۹٫۵", "H=9.50"])
def test_an_altered_dimension_text_is_reported(issuance, text):
    check = passes(issuance, drawing(Spec(height_text=text)))
    assert not check.passed and "drawing_dimensions" in check.failed_rules
    altered = [d for d in check.dimensions if d["altered"]]
    assert altered == [{"layer": "HEIGHT", "measured": 10.5, "text": text, "shown": 9.5, "altered": True}]
    # the height checked is the one measured from the geometry, not the text
    assert next(r for r in check.results if r["code"] == "drawing_floors")["measured"] == "3 / 10.50 m"


def _nested(depth: int) -> bytes:
    doc = drawing_doc()
    inner = None
    for level in range(depth, 0, -1):
        block = doc.blocks.new(f"B{level}")
        if inner is None:
            block.add_line((0, 0), (1, 0))
        else:
            block.add_blockref(inner, (0, 0))
        inner = f"B{level}"
    doc.modelspace().add_blockref(inner, (40, 40), dxfattribs={"layer": "DECOR"})
    return dxf_bytes(doc)


@pytest.mark.hostile("drawing limits")
def test_a_block_nested_500_deep_is_refused(issuance):
    refused(issuance, _nested(500), "blocks_too_deep", limit=LIMITS.block_depth)


@pytest.mark.hostile("drawing limits")
def test_blocks_exactly_at_the_depth_limit_pass_and_one_deeper_fails(issuance):
    refused(issuance, _nested(LIMITS.block_depth + 1), "blocks_too_deep")
    check = passes(issuance, _nested(LIMITS.block_depth))
    assert "DECOR" in check.ignored_layers


@pytest.mark.hostile("drawing references")
def test_an_xref_is_refused(issuance):
    doc = drawing_doc()
    doc.add_xref_def("C:/other/site.dxf", "SITE")
    doc.modelspace().add_blockref("SITE", (0, 0))
    refused(issuance, dxf_bytes(doc), "references_other_file")


@functools.cache
def _base_counts() -> tuple[int, int]:
    raw = drawing_read(data=drawing(), name="d.dxf")
    return raw["entities"], raw["vertices"]


@pytest.mark.hostile("drawing limits")
def test_200000_vertices_are_refused(issuance):
    doc = drawing_doc()
    line = add_long_polyline(doc.modelspace(), [(i * 0.001, (i % 2) * 0.001) for i in range(200_000)], layer="NOISE")
    assert len(line) == 200_000
    refused(issuance, dxf_bytes(doc), "too_many_vertices", limit=LIMITS.vertices)


@pytest.mark.hostile("drawing limits")
def test_vertices_exactly_at_the_limit_pass_and_one_more_fails(issuance):
    _entities, vertices = _base_counts()
    for extra, ok in ((1, False), (0, True)):
        doc = drawing_doc()
        n = LIMITS.vertices - vertices + extra
        add_long_polyline(doc.modelspace(), [(50 + i * 1e-4, 50.0) for i in range(n)], layer="NOISE")
        if ok:
            passes(issuance, dxf_bytes(doc))
        else:
            refused(issuance, dxf_bytes(doc), "too_many_vertices", limit=LIMITS.vertices)


@pytest.mark.hostile("drawing limits")
def test_entities_exactly_at_the_limit_pass_and_one_more_fails(issuance):
    entities, _vertices = _base_counts()
    results = []
    for extra in (1, 0):
        doc = drawing_doc()
        msp = doc.modelspace()
        for i in range(LIMITS.entities - entities + extra):
            msp.add_point((60 + i * 0.01, 60), dxfattribs={"layer": "NOISE"})
        data = dxf_bytes(doc)
        if extra:
            refused(issuance, data, "too_many_entities", limit=LIMITS.entities)
        else:
            results.append(passes(issuance, data))
    assert results[0].passed


@pytest.mark.hostile("drawing limits")
def test_file_size_at_the_limit_passes_and_one_byte_over_fails(issuance):
    data = drawing()
    passes(issuance, data, limits=dataclasses.replace(LIMITS, file_bytes=len(data)))
    DrawingCheck.objects.all().delete()
    refused(issuance, data, "too_large", limits=dataclasses.replace(LIMITS, file_bytes=len(data) - 1))


@pytest.mark.hostile("drawing limits")
def test_a_reader_past_its_time_limit_is_stopped(issuance):
    refused(issuance, drawing(), "crashed", limits=dataclasses.replace(LIMITS, wall_seconds=0.001))


@pytest.mark.hostile("drawing file type")
def test_a_binary_dxf_is_refused(issuance, tmp_path):
    path = tmp_path / "b.dxf"
    drawing_doc().saveas(path, fmt="bin")
    assert path.read_bytes().startswith(b"AutoCAD Binary DXF")
    refused(issuance, path.read_bytes(), "binary_dxf")


@pytest.mark.hostile("drawing file type")
@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"AC1032\x00\x00\x00\x00\x00\x01\x03" + bytes(500), "plan.dxf", "dwg"),
        (b"AC1018" + bytes(200), "plan.DXF", "dwg"),
        (b"%PDF-1.7\n" + bytes(100), "plan.dxf", "not_dxf"),
        (b"", "plan.dxf", "empty"),
        (b"0\nSECTION\n", "plan.dwg", "not_dxf_name"),
        (b"0\nSECTION\n2\nHEADER\n0\nENDSEC\n", "plan.dxf", "no_convention_layers"),  # read: nothing in it
    ],
)
def test_a_dwg_renamed_dxf_and_other_files_are_refused(issuance, data, name, code):
    refused(issuance, data, code, name=name)


@pytest.mark.hostile("drawing convention")
def test_persian_layer_names_are_accepted_as_aliases(issuance):
    persian = {
        "PLAN_INFO": "مشخصات_نقشه",
        "PLOT_BOUNDARY": "محدوده زمین",
        "PARKING_SLOT": "پارکینگ",
        "HEIGHT": "ارتفاع",
        **{f"FLR_{n}_FOOTPRINT": f"طبقه_{'۰۱۲۳'[n]}_سطح_اشغال" for n in range(4)},
    }
    check = passes(issuance, drawing(Spec(layers=persian, info=("کاربری=مسکونی", "واحدها=۳"))))
    assert check.passed, check.failed_rules
    assert check.floors == 3 and check.ignored_layers == []


def test_nothing_is_written_to_storage_for_a_refused_drawing(issuance, settings):
    refused(issuance, drawing(Spec(scale=1000.0)), "millimetres")
    root = settings.MEDIA_ROOT / "drawings"
    assert not root.exists() or not any(root.rglob("*"))


def test_ezdxf_made_the_bad_files_it_was_asked_for():
    """The fixtures are what they claim (a test that cannot fail would prove nothing)."""
    doc = ezdxf.read(__import__("io").StringIO(drawing(Spec(height_text="9.5")).decode()))
    dims = list(doc.modelspace().query("DIMENSION"))
    assert dims[0].dxf.text == "9.5" and dims[0].get_measurement() == pytest.approx(10.5)
