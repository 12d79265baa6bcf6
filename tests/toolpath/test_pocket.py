"""Pocket input cleaning: sub-nanometre coordinates are snapped so GEOS's predicates stay finite."""

import pytest
import shapely
from shapely.geometry import Polygon, box

from toolpath import GeometryError
from toolpath.pocket import Pocket


def test_sub_nanometre_sliver_is_snapped_and_buffer_works():
    # found by hypothesis: a box difference leaving a 1e-214 mm sliver made GEOS's buffer raise on NaN
    region = shapely.from_wkt(
        "POLYGON ((20 20, 20 0, 0 0, 0 0.0078125, 1.433740836581777e-214 0.0078125, "
        "1.433740836581777e-214 5.311625725563526e-240, 1 5.311625725563526e-240, 1 0.0078125, 1 1, "
        "1 1.0078125, 0 1.0078125, 0 20, 20 20))")
    assert region.is_valid
    pocket = Pocket(region, 0.0, -1.0)
    xy = shapely.get_coordinates(pocket.region)
    assert not ((xy != 0) & (abs(xy) < 1e-9)).any()
    assert abs(pocket.region.area - region.area) < 1e-6
    assert not pocket.region.buffer(-1.505, quad_segs=64).is_empty  # GEOS 3.11-3.13 raised here


def test_ordinary_region_is_kept_as_given():
    region = box(0.5, 0.25, 10, 10)
    assert Pocket(region, 0.0, -1.0).region is region


def test_region_split_by_snapping_is_refused():
    # two 5 mm squares joined by a neck 1e-12 mm wide: snapping splits them, which a single pocket cannot hold
    region = Polygon([(0, -5), (5, -5), (5, 0), (6, 0), (6, -5), (11, -5), (11, 5), (6, 5), (6, 1e-12),
                      (5, 1e-12), (5, 5), (0, 5)])
    assert region.is_valid
    with pytest.raises(GeometryError, match="splits in 2 parts"):
        Pocket(region, 0.0, -1.0)
