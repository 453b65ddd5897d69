#!/usr/bin/env python3
"""Regenerate the bad-input corpus that tests/lua/test_bad_inputs.lua runs
through glassvm, beyond the dataset fixtures of make_fixtures.py:

  * ensemble files (docs/dynamics.md, "Ensemble files"): one good file and
    corrupt variants, all for a flat landscape of N = 3 weights;
  * result tables read by glass.read_csv (docs/file-formats.md);
  * more malformed IDX, CSV and CIFAR datasets (edge cases of the headers).

Every bad-* file must be refused with a message naming the file and the
problem.  Deterministic bytes (gzip without a timestamp)."""
import gzip
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def put(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def ensemble(weights, N=3, R=None, version=1, step=0, seed=1, first=0, lost=None,
             kind=b"flat", crc=True, flags=0, arch=b"", data=b"", rows=10, data_crc=0):
    """weights: list of R lists of N doubles.  R, N, version... as stored;
    version 3 adds flags, the architecture and the dataset (no labels here;
    rows = 10 is the P of the flat landscape the tests load with)."""
    R_real = len(weights)
    R = R_real if R is None else R
    h = b"GVENS\0\0\0" + struct.pack("<IIQQQQ", version, first, N, R, step, seed)
    h += kind.ljust(16, b"\0")
    if version == 3:
        h += struct.pack("<II", flags, 0) + arch.ljust(120, b"\0") + data.ljust(48, b"\0")
        h += struct.pack("<QII", rows, data_crc, 0)
    recs = b""
    for r in range(R_real):
        flag, lstep, reason = (lost or {}).get(r, (0, 0, b""))
        recs += struct.pack("<B7xQ", flag, lstep) + reason.ljust(112, b"\0")
    w = b"".join(struct.pack("<%dd" % len(ws), *ws) for ws in weights)
    body = h + recs + w
    return body + struct.pack("<I", zlib.crc32(body) if crc else 0)


W = [[0.5, -1.25, 3.0], [0.0, 2.0, -0.125]]
good = ensemble(W, step=40, seed=7)
put("tiny-ensemble.gvens", good)                                   # R=2, N=3, step 40
put("tiny-ensemble-v3.gvens", ensemble(W, step=40, seed=7, version=3))  # the same, version 3

put("bad-ens-empty.gvens", b"")
put("bad-ens-checkpoint.gvens", b"GVCKPT\0\0" + struct.pack("<I", 1) + bytes(60))  # a run's checkpoint
put("bad-ens-magic.gvens", b"GVENX" + good[5:])                     # wrong magic
put("bad-ens-header.gvens", good[:40])                              # header cut short
put("bad-ens-truncated.gvens", good[:-12])                          # last weight + CRC cut
put("bad-ens-trailing.gvens", good + b"\0" * 8)                     # 8 bytes too many
flip = bytearray(good); flip[-1] ^= 0x01
put("bad-ens-crc.gvens", bytes(flip))                               # one CRC bit flipped
flip = bytearray(good); flip[64 + 256 + 3] ^= 0x10
put("bad-ens-bitflip.gvens", bytes(flip))                           # a weight bit flipped
put("bad-ens-version.gvens", ensemble(W, version=4))                # valid CRC, version 4
put("bad-ens-flags.gvens", ensemble(W, version=3, flags=2))         # a flag not defined
put("bad-ens-wrong-n.gvens", ensemble([[1.0] * 4, [2.0] * 4], N=4))  # saved with N = 4
put("bad-ens-wrong-r.gvens", ensemble(W, R=3))                      # header says 3 replicas
put("bad-ens-huge-r.gvens", ensemble(W, R=1 << 62))                 # R * record overflows
put("bad-ens-nan.gvens", ensemble([[0.5, float("nan"), 1.0], [0.0, 0.0, 0.0]]))
put("bad-ens-step.gvens", ensemble(W, step=1 << 48))                # past the step limit
put("bad-ens-status.gvens", ensemble(W, lost={1: (7, 0, b"x")}))    # lost flag 7
put("bad-ens-loststep.gvens", ensemble(W, step=10, lost={0: (1, 11, b"nan")}))  # lost after step


# --- Result tables (glass.read_csv).
put("bad-table-ragged.csv", b"# glassvm\nt,Q\n1,0.5\n2\n")
put("bad-table-text.csv", b"t,Q\n1,0.5\n2,high\n")
put("bad-table-dupname.csv", b"t,Q,t\n1,2,3\n")
put("bad-table-emptyname.csv", b"t,,Q\n1,2,3\n")
put("bad-table-comments-only.csv", b"# only\n# comments\n")
put("bad-table-quote.csv", b't,Q\n1,"0.5\n')
put("bad-table-longcell.csv", b"t,Q\n1," + b"1" * 200 + b"\n")
put("bad-table-extra.csv", b"t,Q\n1,2,3\n")
put("bad-table-nul.csv", b"t,Q\n1,2\x00junk\n")  # NUL inside a cell (fuzz finding)


def gz(data):
    return gzip.compress(data, mtime=0)


def idx(typecode, dims, payload):
    return bytes([0, 0, typecode, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


# --- More IDX edge cases.
put("bad-zero-images.idx3", idx(0x08, [0, 2, 3], b""))                # no images
put("bad-zero-width.idx3", idx(0x08, [6, 0, 3], b""))                 # rows of 0 values
put("bad-ndim9.idx3", bytes([0, 0, 8, 9]) + bytes(36))                # 9 dimensions
put("bad-type.idx3", bytes([0, 0, 7, 1, 0, 0, 0, 1, 0]))              # type 0x07
put("bad-nan-image.idx2", idx(0x0D, [6, 1], struct.pack(">6f", 1, 2, float("nan"), 4, 5, 6)))
put("bad-f32-range.idx2", idx(0x0E, [6, 1], struct.pack(">6d", 1, 2, 3, -1e300, 5, 6)))  # inf as float32
put("bad-labels-2d.idx2", idx(0x08, [6, 2], bytes(12)))               # 2 labels per image
put("bad-gz-extra.idx3.gz", gz(idx(0x08, [6, 2, 3], bytes(40))))     # 4 bytes too many, gzip
put("bad-notgzip.idx3.gz", b"\x1f\x8b\x08\x00" + bytes(6))        # gzip header only

# --- More CSV edge cases.
put("bad-inf.csv", b"1,2,3\n4,inf,6\n")
put("bad-f32-range.csv", b"1,2,3\n4,5,1e39\n")                        # finite, inf as float32
put("bad-bigclass.csv", b"1,2,3\n1e10,5,6\n")                       # class past int32
put("bad-empty-field.csv", b"1,2,3\n4,,6\n")
put("bad-binary.csv", bytes(range(256)))
put("bad-nul.csv", b"1,2,3\n4,5\x00junk,6\n")                     # NUL inside a field (reads as 5 by strtod)
_rows = "".join("%d,%d,%d\n" % (i % 10, (7 * i) % 13, 3 * i) for i in range(200)).encode()
put("bad-truncated.csv.gz", gz(_rows)[:-4])                          # gzip trailer cut
# Errors name the file's line: blank lines count (LF and CRLF), and a quoted
# field over two lines is reported where it ends.
put("bad-blanklines.csv", b"label,a\n1,2\n\n\n3,x\n")                  # 'x' on line 5
put("bad-blanklines-crlf.csv", b"label,a\r\n1,2\r\n\r\n3,4,5\r\n")      # ragged line 4
put("bad-multiline.csv", b'label,a\n1,"2\n3"\n')                     # '2\n3' ends on line 3
put("bad-hex.csv", b"label,a\n1,2\n3,0x1F\n")                         # C's strtod reads 31
put("bad-semicolon.csv", b"label;a;b\n1;0,5;2\n")                     # a European spreadsheet's
put("bad-tabs.csv", b"label\ta\n1\t2\n")

# --- More CIFAR edge cases.
put("bad-cifar-short.bin.gz", gz(bytes(3000)))                        # gzip of 3000 bytes
put("bad-cifar-extra.bin", bytes(3073) + b"\x00")                     # one byte too many
