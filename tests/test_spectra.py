import numpy as np
import pytest
from astropy.io import fits

from specml_utils.spectra import (COADD_DTYPE, SpectrumReadError, read_any, read_desi_coadd, read_spec_lite,
                                  read_spplate, spec_lite_bytes)


def test_real_spec_lite_identifiers_and_wavelengths(real_files):
    s = read_spec_lite(real_files[0], meta=True)
    assert set(s.ident) == {"plate", "mjd", "fiberid"}
    assert s.meta["CLASS"] in ("QSO", "GALAXY", "STAR")
    # BOSS pixels: Δlog10 λ = 1e-4, 3550–10400 Å
    assert np.allclose(np.diff(s.loglam), 1e-4, atol=2e-6)
    assert 3500 < s.wave[0] < 3700 and 10_000 < s.wave[-1] < 10_500
    assert s.flux.dtype == np.float32 and len(s.flux) == len(s.ivar) == len(s.and_mask)


def test_desi_coadd_reader(shared):
    path = shared / "quasarnet" / "test_coadd.fits"
    if not path.exists():
        pytest.skip("no DESI coadd")
    spectra = read_desi_coadd(path)
    assert len(spectra) == 25
    s = spectra[0]
    assert "targetid" in s.ident
    assert 3500 < s.wave.min() < 3700 and 9700 < s.wave.max() < 10_000
    assert len(read_any(path)) == 25


def _spplate(path, nfiber=3, npix=50):
    flux = np.arange(nfiber * npix, dtype=np.float32).reshape(nfiber, npix)
    h = fits.PrimaryHDU(flux)
    h.header["COEFF0"], h.header["COEFF1"], h.header["PLATEID"], h.header["MJD"] = 3.6, 1e-4, 1234, 56789
    fits.HDUList([h, fits.ImageHDU(np.ones_like(flux)), fits.ImageHDU(np.zeros(flux.shape, np.int32))]).writeto(path)


def test_spplate_reader(tmp_path):
    path = tmp_path / "spPlate-1234-56789.fits"
    _spplate(path)
    spectra = read_spplate(path)
    assert len(spectra) == 3
    assert spectra[1].ident == {"plate": 1234, "mjd": 56789, "fiberid": 2}
    assert spectra[1].flux[0] == 50 and np.isclose(spectra[1].loglam[1], 3.6001)
    assert len(read_any(path)) == 3
    with pytest.raises(SpectrumReadError, match="fiber 9"):
        read_spplate(path, fibers=[9])


def test_spplate_without_wavelength_solution(tmp_path):
    path = tmp_path / "spPlate-1-2.fits"
    fits.HDUList([fits.PrimaryHDU(np.ones((2, 5), np.float32)), fits.ImageHDU(np.ones((2, 5))),
                  fits.ImageHDU(np.zeros((2, 5), np.int32))]).writeto(path)
    with pytest.raises(SpectrumReadError, match="COEFF0"):
        read_spplate(path)


def _write(path, flux, ivar):
    coadd = np.zeros(len(flux), COADD_DTYPE)
    coadd["FLUX"], coadd["IVAR"] = flux, ivar
    coadd["LOGLAM"] = 3.56 + 1e-4 * np.arange(len(flux))
    spall = np.zeros(1, dtype=[("CLASS", "S6")])
    path.write_bytes(spec_lite_bytes([("PLATEID", 1)], coadd, spall))


def test_nonfinite_flux_gets_zero_weight_and_is_counted(tmp_path):
    flux = np.ones(100, np.float32)
    flux[[3, 7]] = [np.nan, np.inf]
    path = tmp_path / "spec-0001-55555-0001.fits"
    _write(path, flux, np.ones(100))
    for fast in (True, False):
        s = read_spec_lite(path, fast=fast)
        assert s.meta["n_nonfinite"] == 2
        assert s.ivar[3] == 0 and s.ivar[7] == 0 and np.isfinite(s.flux).all()
        assert s.good().sum() == 98


def test_unrecognised_format(tmp_path):
    path = tmp_path / "whatever.fits"
    fits.PrimaryHDU(np.zeros(3)).writeto(path)
    with pytest.raises(SpectrumReadError, match="unrecognised format"):
        read_any(path)


def test_fiber_level_mask_bits_keep_pixels_and_pixel_bits_drop_them(tmp_path):
    mask = np.zeros(100, np.int32)
    mask[:60] |= 1 << 2          # BADFLAT: a fiber-level bit, as real fibers carry on most pixels
    mask[10:20] |= 1 << 17       # LOWFLAT: a pixel bit
    mask[30] |= 1 << 23          # BRIGHTSKY
    mask[40] = np.int32(-2 ** 31)  # bit 31
    coadd = np.zeros(100, dtype=COADD_DTYPE)
    coadd["FLUX"], coadd["IVAR"], coadd["AND_MASK"] = 1.0, 1.0, mask
    coadd["LOGLAM"] = 3.56 + 1e-4 * np.arange(100)
    path = tmp_path / "spec-0001-55555-0002.fits"
    path.write_bytes(spec_lite_bytes([("PLATEID", 1)], coadd, np.zeros(1, dtype=[("CLASS", "S6")])))
    good = read_spec_lite(path).good()
    assert good.sum() == 100 - 10 - 1 - 1
    assert not good[10:20].any() and not good[30] and not good[40] and good[:10].all() and good[50:60].all()


def test_median_sn_one_definition_for_one_spectrum_and_a_batch(real_files):
    from specml_utils.spectra import median_sn

    rng = np.random.default_rng(1)
    flux = rng.normal(1, 2, (6, 443)).astype(np.float32)
    ivar = rng.uniform(0.5, 4, (6, 443)).astype(np.float32)
    ivar[rng.random((6, 443)) < 0.3] = 0
    ivar[5] = 0
    got = median_sn(flux, ivar)
    for f, i, g in zip(flux[:5], ivar[:5], got[:5]):
        assert g == np.median(f[i > 0] * np.sqrt(i[i > 0]))  # the same float32 value, bit for bit
        assert median_sn(f, i) == g                          # one spectrum or a batch alike
    assert got[5] == 0  # no good pixel: no S/N
    # by hand: S/N 1, 2, 3 and 4 over the good pixels (one with ivar 0) → median 2.5
    f = np.array([1.0, 2.0, 9.0, 3.0, 4.0], np.float32)
    i = np.array([1.0, 1.0, 0.0, 1.0, 1.0], np.float32)
    assert median_sn(f, i) == 2.5
    # a real spectrum: the good-pixel mask (AND mask, finite flux) is the one the S/N is taken over
    s = read_spec_lite(real_files[0])
    g = s.good()
    assert s.median_sn() == float(np.median(s.flux[g] * np.sqrt(s.ivar[g])))


def test_spall_row_read_from_the_bytes_equals_astropys_on_every_real_file(real_files):
    for f in real_files:
        fast, full = read_spec_lite(f, meta=True), read_spec_lite(f, fast=False, meta=True)
        assert set(fast.meta) == set(full.meta) and "Z" in fast.meta, f
        for key, value in full.meta.items():
            np.testing.assert_array_equal(fast.meta[key], value, err_msg=f"{f.name} {key}")
            assert type(fast.meta[key]) is type(value), (f.name, key)


def _with_spall(path, columns):
    coadd = np.zeros(20, COADD_DTYPE)
    coadd["LOGLAM"] = 3.6 + 1e-4 * np.arange(20)
    coadd["IVAR"] = 1.0
    hdus = [fits.PrimaryHDU(), fits.BinTableHDU(coadd, name="COADD")]
    if columns:
        hdus.append(fits.BinTableHDU.from_columns(columns, name="SPALL"))
    fits.HDUList(hdus).writeto(path)
    return path


def test_spall_row_fast_and_astropy_agree_on_text_arrays_scaled_columns_and_no_hdu2(tmp_path):
    cols = [fits.Column("CLASS", "6A", array=np.array(["QSO   "])), fits.Column("Z", "E", array=[2.5]),
            fits.Column("PSFMAG", "5E", array=[[21.0, 20.5, 20.2, 20.1, 20.0]]),
            fits.Column("ZWARNING", "J", array=[4])]
    plain = _with_spall(tmp_path / "spec-0001-55555-0001.fits", cols)
    # THING_ID as an unsigned 32-bit column: stored with TZERO, which only astropy applies
    scaled = _with_spall(tmp_path / "spec-0001-55555-0002.fits",
                         cols + [fits.Column("THING_ID", "J", bzero=2 ** 31, array=np.array([3_000_000_000], np.uint32))])
    bare = _with_spall(tmp_path / "spec-0001-55555-0003.fits", None)
    s = read_spec_lite(plain, meta=True)
    assert s.meta == {"CLASS": "QSO", "Z": 2.5, "ZWARNING": 4, "PSFMAG": pytest.approx(s.meta["PSFMAG"])}
    np.testing.assert_allclose(s.meta["PSFMAG"], [21.0, 20.5, 20.2, 20.1, 20.0], rtol=1e-6)
    assert read_spec_lite(scaled, meta=True).meta["THING_ID"] == 3_000_000_000
    assert read_spec_lite(bare, meta=True).meta == {} == read_spec_lite(bare, fast=False, meta=True).meta
    for f in (plain, scaled):
        full = read_spec_lite(f, fast=False, meta=True).meta
        fast = read_spec_lite(f, meta=True).meta
        assert set(fast) == set(full) and all(np.array_equal(fast[k], full[k]) for k in full)
