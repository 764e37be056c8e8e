import datetime as dt

from pipeline.core.formatting import angka, persen, rupiah, tanggal


def test_indonesian_formats():
    assert rupiah(1_250_000) == "Rp\u00a01.250.000"  # no-break space
    assert rupiah(1_250_000.4) == "Rp\u00a01.250.000"
    assert angka(1234.5, 1) == "1.234,5"
    assert angka(0) == "0"
    assert persen(0.755) == "75,5%"
    assert persen(1) == "100,0%"
    assert persen(None) == "-"
    assert tanggal(dt.date(2026, 12, 3)) == "3 Desember 2026"
    assert tanggal("2026-08-17") == "17 Agustus 2026"
