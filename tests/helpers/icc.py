"""Build a small matrix/TRC ICC v2 profile in memory (for colour-management tests)."""

from __future__ import annotations

import struct

import numpy as np

# Display P3 (D65) primaries, as phones write them.
P3_TO_XYZ_D65 = np.array(
    [[0.4865709, 0.2656677, 0.1982173], [0.2289746, 0.6917385, 0.0792869], [0.0, 0.0451134, 1.0439444]]
)
XYZ_D65_TO_SRGB = np.array(
    [[3.2404542, -1.5371385, -0.4985314], [-0.9692660, 1.8760108, 0.0415560], [0.0556434, -0.2040259, 1.0572252]]
)
_BRADFORD_D65_TO_D50 = np.array(
    [[1.0478112, 0.0228866, -0.0501270], [0.0295424, 0.9904844, -0.0170491], [-0.0092345, 0.0150436, 0.7521316]]
)


def _s15(value: float) -> bytes:
    return struct.pack(">i", int(round(value * 65536)))


def _xyz_tag(xyz) -> bytes:
    return b"XYZ " + b"\0" * 4 + b"".join(_s15(v) for v in xyz)


def _curve_tag(gamma: float) -> bytes:
    # 'curv' with one entry = pure gamma in u8Fixed8.
    return b"curv" + b"\0" * 4 + struct.pack(">I", 1) + struct.pack(">H", int(round(gamma * 256))) + b"\0\0"


def _desc_tag(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    return (b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_)) + ascii_
            + b"\0" * 4 + b"\0" * 4 + b"\0" * 3 + b"\0" * 67)


def p3_profile(gamma: float = 2.2) -> bytes:
    """A 'Display P3 (test)' RGB matrix profile with a pure-gamma tone curve."""
    d50 = _BRADFORD_D65_TO_D50 @ P3_TO_XYZ_D65
    tags = [
        (b"desc", _desc_tag("Display P3 test")),
        (b"wtpt", _xyz_tag([0.9642, 1.0, 0.8249])),
        (b"rXYZ", _xyz_tag(d50[:, 0])),
        (b"gXYZ", _xyz_tag(d50[:, 1])),
        (b"bXYZ", _xyz_tag(d50[:, 2])),
        (b"rTRC", _curve_tag(gamma)),
        (b"gTRC", _curve_tag(gamma)),
        (b"bTRC", _curve_tag(gamma)),
        (b"cprt", b"text" + b"\0" * 4 + b"none\0\0\0\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, payload in tags:
        while len(payload) % 4:
            payload += b"\0"
        table += sig + struct.pack(">II", offset + len(data), len(payload))
        data += payload
    body = struct.pack(">I", len(tags)) + table + data
    size = 128 + len(body)
    header = (struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntr" + b"RGB "
              + b"XYZ " + b"\0" * 12 + b"acsp" + b"APPL" + b"\0" * 4 + b"\0" * 4 + b"\0" * 4
              + b"\0" * 8 + b"\0" * 4 + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"\0" * 4
              + b"\0" * 16 + b"\0" * 28)
    assert len(header) == 128, len(header)
    return header + body


def p3_to_srgb(p3: np.ndarray, gamma: float = 2.2) -> np.ndarray:
    """The expected sRGB-encoded values of P3-encoded values (reference maths)."""
    linear = np.power(np.clip(p3, 0, 1), gamma)
    srgb_linear = np.clip(linear @ (XYZ_D65_TO_SRGB @ P3_TO_XYZ_D65).T, 0, 1)
    return np.where(srgb_linear <= 0.0031308, 12.92 * srgb_linear,
                    1.055 * np.power(srgb_linear, 1 / 2.4) - 0.055)
