#!/usr/bin/env python3
"""Regenerate the dataset fixtures in tests/data (small, committed files).

Good files the loaders must read, and bad ones each loader must reject with
an error naming the file and the problem.  Deterministic: running this again
gives identical bytes (gzip without a timestamp)."""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, mtime=0)


def idx(typecode, dims, payload):
    return bytes([0, 0, typecode, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


# --- IDX: 6 images of 2x3 unsigned bytes, value 10*i + j; MNIST's first labels.
images = idx(0x08, [6, 2, 3], bytes(10 * i + j for i in range(6) for j in range(6)))
labels = idx(0x08, [6], bytes([5, 0, 4, 1, 9, 2]))
put("tiny-images.idx3", images)
put("tiny-labels.idx1", labels)
put("tiny-images.idx3.gz", gz(images))
put("tiny-labels.idx1.gz", gz(labels))
# Other element types: float32 4x3 and int16 labels, big-endian.
fvals = [0.5, -1.25, 3.0, 1e-3, 2.0, -7.5, 100.0, 0.0, 0.25, -0.125, 9.0, 4.5]
put("tiny-f32.idx2", idx(0x0D, [4, 3], struct.pack(">12f", *fvals)))
put("tiny-i16.idx1", idx(0x0B, [4], struct.pack(">4h", 7, -2, 300, 0)))

# Bad IDX files.
put("bad-magic.idx3", bytes([3, 8, 0, 0]) + images[4:])            # byte-swapped magic
put("bad-truncated.idx3", images[:-6])                               # 6 data bytes missing
put("bad-extra.idx3", images + b"\0\0\0\0")                          # 4 bytes too many
put("bad-header.idx3", images[:6])                                   # header cut short
put("bad-count.idx1", idx(0x08, [5], bytes([5, 0, 4, 1, 9])))       # 5 labels, 6 images
put("bad-float-labels.idx1", idx(0x0D, [6], struct.pack(">6f", *range(6))))
# Labels for tiny-images with a valid header that the paper's preprocessing
# (gv_prep_run: classes 0-9, both labels in the train set) refuses; the
# generic IDX loader takes any integer classes.
put("bad-class.idx1", idx(0x08, [6], bytes([5, 0, 4, 200, 9, 2])))   # row 4: class 200
put("bad-one-class.idx1", idx(0x08, [6], bytes([4] * 6)))           # every row class 4
# A header promising 4e9 x 28 x 28 bytes (3 TB) over 100 real bytes.
huge = idx(0x08, [4000000000, 28, 28], bytes(100))
put("bad-huge.idx3", huge)
put("bad-huge.idx3.gz", gz(huge))
put("bad-overflow.idx3", idx(0x08, [0xFFFFFFFF] * 4, bytes(8)))     # product > 2^64
z = gz(images)
put("bad-truncated.idx3.gz", z[: len(z) // 2])                      # gzip stream cut
put("bad-corrupt.idx3.gz", z[:10] + bytes([0xFF] * 20) + z[30:])    # deflate data garbage
put("bad-crc.idx3.gz", z[:-8] + bytes([z[-8] ^ 0xFF]) + z[-7:])     # CRC-32 mismatch
put("empty.dat", b"")

# --- CSV (Kaggle layout: label, then pixels).
rows = [(1, 0, 0.5, 255), (0, 1, 2, 3), (4, -1.5, 1e2, 7), (7, 9, 8, 7)]
body = "".join(",".join(str(v) for v in r) + "\n" for r in rows)
put("tiny.csv", ("label,pixel0,pixel1,pixel2\n" + body).encode())
put("tiny-noheader.csv", body.encode())
# A UTF-8 byte-order mark (as spreadsheets write) before a headerless first row and before a header.
put("tiny-bom.csv", b"\xef\xbb\xbf" + body.encode())
put("tiny-bom-header.csv", b"\xef\xbb\xbf" + ("label,pixel0,pixel1,pixel2\n" + body).encode())
put("tiny.csv.gz", gz(("label,pixel0,pixel1,pixel2\n" + body).encode()))
# Label last, quoted fields, CRLF line ends, blanks around numbers.
last = "".join(",".join('"%s"' % v if i == 1 else " %s " % v for i, v in enumerate(r[1:] + r[:1])) + "\r\n" for r in rows)
put("tiny-lastcol.csv", last.encode())
put("bad-ragged.csv", b"label,a,b\n1,2,3\n4,5\n6,7,8\n")
put("bad-nonnumeric.csv", b"label,a,b\n1,2,3\n4,abc,6\n")
put("bad-label.csv", b"1,2,3\n1.5,5,6\n")
put("bad-nan.csv", b"1,2,3\n4,nan,6\n")
put("bad-headeronly.csv", b"label,a,b\n")
put("bad-quote.csv", b'1,2,3\n4,"5,6\n')
put("bad-onecolumn.csv", b"1\n2\n")
put("empty.csv", b"")

# --- CIFAR-10 binary: rows of 1 class byte + 3072 pixel bytes.
def cifar(classes, offset):
    out = b""
    for i, c in enumerate(classes):
        out += bytes([c]) + bytes((offset + 7 * i + j) % 256 for j in range(3072))
    return out


put("tiny-cifar1.bin", cifar([0, 3, 9], 0))
put("tiny-cifar2.bin", cifar([1, 8], 100))
put("tiny-cifar1.bin.gz", gz(cifar([0, 3, 9], 0)))
put("bad-cifar-truncated.bin", cifar([0, 3, 9], 0)[:-100])
put("bad-cifar-label.bin", cifar([4, 12], 0))
