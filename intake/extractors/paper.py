"""The sheet of paper in a phone photo, flattened: a list photographed at an angle on a table
is a bright four-sided shape on a darker ground; warped back to a rectangle, its lines are
straight again and Tesseract reads each one whole ('Metformin 500 mg tablet twice daily',
which the slanted photo split in two lines)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intake.ocr import otsu_threshold

if TYPE_CHECKING:  # Pillow and numpy are imported where used: slow to import
    from PIL import Image

Point = tuple[float, float]

PAPER_SHARE = (0.2, 0.95)  # share of the photo the sheet covers: else no sheet on a ground
GROUND_DARKER = 60  # grey levels the ground is darker than the sheet, at least
MARGIN = 0.02  # of the photo's size: a corner this near the photo's own corner is no corner
FILLED = 0.9  # share of the four-sided shape the bright pixels fill: one sheet, not specks
UPSCALE = 1.5  # the flattened sheet's scale (at most `max_side` pixels long)
SLANT_DEGREES = 1.5  # an edge this far off the photo's axes: the sheet lies at an angle


def flattened(image: Image.Image, max_side: int = 4000) -> Image.Image | None:
    """The sheet in `image` (grey) warped to a rectangle, 1.5 times its size in the photo (at
    most `max_side` long), or None when the photo shows no sheet on a darker ground (a scan,
    a photo filled by the page, a dark page)."""
    corners = sheet_corners(image)
    if corners is None:
        return None
    import numpy as np
    from PIL import Image

    top_left, top_right, bottom_right, bottom_left = corners
    width = round(max(_length(top_left, top_right), _length(bottom_left, bottom_right)))
    height = round(max(_length(top_left, bottom_left), _length(top_right, bottom_right)))
    if width < 100 or height < 100:
        return None
    target = [(0.0, 0.0), (float(width), 0.0), (float(width), float(height)), (0.0, float(height))]
    rows, values = [], []
    for (x, y), (u, v) in zip(target, corners, strict=True):  # output point -> photo point
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        values += [u, v]
    try:
        coefficients = np.linalg.solve(np.array(rows, float), np.array(values, float))
    except np.linalg.LinAlgError:  # three corners on a line: no sheet
        return None
    scale = min(UPSCALE, max_side / max(width, height))  # warping blurs: letters made bigger
    size = (round(width * scale), round(height * scale))
    coefficients = coefficients * np.array([1 / scale, 1 / scale, 1, 1 / scale, 1 / scale, 1,
                                            1 / scale, 1 / scale])  # fmt: skip
    return image.transform(
        size, Image.PERSPECTIVE, tuple(coefficients), Image.BICUBIC, fillcolor=255
    )


def sheet_corners(image: Image.Image) -> tuple[Point, Point, Point, Point] | None:
    """The sheet's corners (top left, top right, bottom right, bottom left), or None: the
    bright pixels (over Otsu's threshold) as extreme points of x+y and x-y, kept only when
    they cover a share of the photo in PAPER_SHARE, the ground is GROUND_DARKER darker, no
    corner is the photo's own, the bright pixels fill the four-sided shape, and an edge of it
    is SLANT_DEGREES off the photo's axes (a sheet lying square needs no flattening)."""
    import numpy as np

    grey = np.asarray(image.convert("L"))
    height, width = grey.shape
    bright = grey > otsu_threshold(grey)
    covered = float(bright.mean())
    if not PAPER_SHARE[0] <= covered <= PAPER_SHARE[1]:
        return None
    if grey[bright].mean() - grey[~bright].mean() < GROUND_DARKER:
        return None
    ys, xs = np.nonzero(bright)
    total, difference = xs + ys, xs - ys
    corners = tuple(
        (float(xs[i]), float(ys[i]))
        for i in (total.argmin(), difference.argmax(), total.argmax(), difference.argmin())
    )
    near = MARGIN * max(width, height)
    own = ((0, 0), (width - 1, 0), (width - 1, height - 1), (0, height - 1))
    if any(_length(corner, photo) < near for corner, photo in zip(corners, own, strict=True)):
        return None
    if bright.sum() < FILLED * _area(corners):
        return None
    if _squareness(corners) < SLANT_DEGREES:
        return None  # a sheet lying square: Tesseract reads it as well uncut
    return corners  # type: ignore[return-value]


def _squareness(corners: tuple[Point, ...]) -> float:
    """Degrees the sheet's most slanted edge is off the photo's axes."""
    import math

    worst = 0.0
    for index, (x1, y1) in enumerate(corners):
        x2, y2 = corners[(index + 1) % 4]
        angle = abs(math.degrees(math.atan2(y2 - y1, x2 - x1))) % 90
        worst = max(worst, min(angle, 90 - angle))
    return worst


def _length(a: Point, b: Point) -> float:
    return ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5


def _area(corners: tuple[Point, ...]) -> float:
    """The shoelace area of a polygon."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2
