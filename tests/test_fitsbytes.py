import numpy as np
import pytest
from astropy.io import fits

from specml_utils import fitsbytes
from specml_utils.spectra import SpectrumReadError, _read_spec_lite_fast, read_spec_lite


def _same(a, b):
    return (np.array_equal(a.loglam, b.loglam) and np.array_equal(a.flux, b.flux)
            and np.array_equal(a.ivar, b.ivar) and np.array_equal(a.and_mask, b.and_mask) and a.ident == b.ident)


def test_fast_reader_equals_astropy_on_real_files(real_files):
    for f in real_files:
        # the fast path itself (no silent fallback to astropy) gives astropy's result exactly
        assert _same(_read_spec_lite_fast(f), read_spec_lite(f, fast=False)), f


def test_fast_reader_equals_astropy_on_mock_files(small_mock):
    home, _ = small_mock
    files = sorted(home.rglob("spec-*.fits"))[:50]
    assert files
    for f in files:
        assert _same(_read_spec_lite_fast(f), read_spec_lite(f, fast=False)), f


def test_table_bytes_roundtrip_through_astropy(tmp_path):
    rows = np.zeros(3, dtype=[("A", "<f4"), ("B", "<i4"), ("S", "S5"), ("V", "<f8", (2,))])
    rows["A"] = [1.5, -2, 3]
    rows["B"] = [1, 2, 3]
    rows["S"] = [b"x", b"yy", b"zzz"]
    rows["V"] = [[1, 2], [3, 4], [5, 6]]
    path = tmp_path / "t.fits"
    path.write_bytes(fits.PrimaryHDU().header.tostring().encode() + fitsbytes.table_bytes(rows, "T"))
    back = fits.getdata(path, 1)
    assert back["A"].tolist() == [1.5, -2, 3]
    assert back["S"].tolist() == ["x", "yy", "zzz"]
    assert back["V"].tolist() == [[1, 2], [3, 4], [5, 6]]
    cards, table = fitsbytes.read_table(path.read_bytes(), 1)
    assert table["B"].tolist() == [1, 2, 3]


@pytest.mark.parametrize("cut", [100, 3000, 20000])
def test_truncated_file_names_file_and_problem(small_mock, tmp_path, cut):
    src = sorted(small_mock[0].rglob("spec-*.fits"))[0]
    bad = tmp_path / "spec-9999-55555-0001.fits"
    bad.write_bytes(src.read_bytes()[:cut])
    with pytest.raises(SpectrumReadError) as err:
        read_spec_lite(bad)
    assert str(bad) in str(err.value)


def test_not_fits_is_a_clear_error(tmp_path):
    bad = tmp_path / "spec-9999-55555-0002.fits"
    bad.write_bytes(b"this is not a FITS file" * 200)
    with pytest.raises(SpectrumReadError, match="spec-9999-55555-0002.fits"):
        read_spec_lite(bad)


def test_missing_columns_and_hdus(tmp_path):
    only_primary = tmp_path / "spec-1-2-3.fits"
    fits.PrimaryHDU().writeto(only_primary)
    with pytest.raises(SpectrumReadError, match="HDU1"):
        read_spec_lite(only_primary)
    wrong_cols = tmp_path / "spec-1-2-4.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU(np.zeros(5, dtype=[("FLUX", "f4")]))]).writeto(wrong_cols)
    with pytest.raises(SpectrumReadError, match="LOGLAM"):
        read_spec_lite(wrong_cols)


def test_every_real_file_has_a_whole_fits_structure(real_files):
    from specml_utils.fitsbytes import structure_problem

    assert [f.name for f in real_files if structure_problem(f)] == []


def test_primary_headers_written_by_hand_read_back_as_astropy_writes_them():
    import numpy as np
    from astropy.io import fits

    from specml_utils.fitsbytes import header_bytes

    cards = [("SIMPLE", True), ("BITPIX", 8), ("NAXIS", 0), ("EXTEND", True), ("PLATEID", 3586),
             ("RA", 123.456789012345), ("COEFF0", 3.5517), ("COEFF1", 1e-4), ("EXPTIME", 4500.0),
             ("RUN2D", "v5_7_0"), ("NOTE", "it's"), ("ORIGIN", "SpecML mock survey", "not a real SDSS spectrum"),
             ("NEG", -2), ("FLAG", False), ("TINY", np.float64(1.5e-30))]
    raw = header_bytes(cards)
    assert len(raw) % 2880 == 0
    hdr = fits.Header.fromstring(raw.decode("ascii"))
    for key, value, *comment in cards:
        assert hdr[key] == value and type(hdr[key]) is type(value if not isinstance(value, np.floating) else 1.0), key
        if comment:
            assert hdr.comments[key] == comment[0]
