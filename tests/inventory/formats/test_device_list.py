"""Device lists in CSV and YAML, as operators write them: spreadsheets, hand-written YAML."""

from __future__ import annotations

import codecs
from collections.abc import Callable

import pytest

from clearinghouse.inventory.formats.device_list_csv import DeviceListCsv
from clearinghouse.inventory.formats.device_list_yaml import DeviceListYaml
from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.registry import detect
from clearinghouse.inventory.parsing import parse_bytes

SHEET = (
    "Vendor,Product,Version,CPE,Name,Notes\r\n"
    "Siemens,SCALANCE X-200,5.2.5,cpe:2.3:h:siemens:scalance_x-200:-:*:*:*:*:*:*:*,"
    'Plant switch,"rack 2, left"\r\n'
    "三菱電機 (Mitsubishi Electric),MELSEC iQ-R,1.10,,,\r\n"
    "\r\n"
    "Bürkert,Type 8693,2.0.0,,Valve positioner,\r\n"
)


def test_an_excel_csv_with_a_byte_order_mark() -> None:
    data = codecs.BOM_UTF8 + SHEET.encode()
    assert detect("Geräte Halle 3.csv", data) is DeviceListCsv
    parsed = parse_bytes("Geräte Halle 3.csv", data)
    assert parsed.format_id == "device-list-csv"
    assert [(c.vendor, c.product, c.version, c.name, c.location) for c in parsed.components] == [
        ("Siemens", "SCALANCE X-200", "5.2.5", "Plant switch", "row 2"),
        ("三菱電機 (Mitsubishi Electric)", "MELSEC iQ-R", "1.10", "MELSEC iQ-R", "row 3"),
        ("Bürkert", "Type 8693", "2.0.0", "Valve positioner", "row 5"),
    ]
    assert parsed.components[0].cpe == "cpe:2.3:h:siemens:scalance_x-200:-:*:*:*:*:*:*:*"
    assert all(c.ecosystem is None and c.purl is None for c in parsed.components)


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.replace(",", ";").encode(),  # Excel where "," is the decimal comma
        lambda text: text.replace(",", "\t").encode("utf-16"),  # Excel's "Unicode text"
    ],
)
def test_other_excel_exports(encode: Callable[[str], bytes]) -> None:
    sheet = "vendor,product,version\nRockwell Automation,ControlLogix 5580,33.011\n"
    data = encode(sheet)
    assert detect("export.txt", data) is DeviceListCsv
    (device,) = parse_bytes("export.txt", data).components
    assert (device.vendor, device.product, device.version) == (
        "Rockwell Automation",
        "ControlLogix 5580",
        "33.011",
    )


@pytest.mark.parametrize(
    ("sheet", "why"),
    [
        ("vendor,product\nSiemens,S7-1500\n", "row 1 (the header) has no version column"),
        ("Vendor,Product,Version\nSiemens,,2.9\n", "row 2: product is empty"),
        ("vendor,product,version\n\nA,B,\n", "row 3: version is empty"),
        ("vendor,product,version\nA,B,1,extra\n", "row 2 has 4 cells, the header 3"),
        ("vendor,product,version,cpe\nA,B,1,cpe:2.3:h:a:b\n", "row 2: cpe: 'cpe:2.3:h:a:b' has 3"),
        ("vendor,product,version,cpe\nA,B,1,cpe:/h:a\n", "row 2: cpe: 'cpe:/h:a' does not name"),
        ("", "the file is empty"),
    ],
)
def test_csv_errors_name_the_row_and_the_column(sheet: str, why: str) -> None:
    with pytest.raises(InventoryRejected) as caught:
        DeviceListCsv().parse("devices.csv", sheet.encode())
    assert why in str(caught.value)
    assert str(caught.value).startswith("devices.csv: ")


def test_csv_not_utf8() -> None:
    with pytest.raises(InventoryRejected, match="save the sheet as 'CSV UTF-8"):
        sheet = "vendor,product,version\nBürkert,X,1\n"
        DeviceListCsv().parse("devices.csv", sheet.encode("cp1252"))


YAML_LIST = """\
# Pumping station 4
devices:
  - vendor: Schneider Electric
    product: Modicon M340
    version: 3.40
    cpe: "cpe:2.3:h:schneider-electric:modicon_m340:-:*:*:*:*:*:*:*"
    location: cabinet A  # not a device-list key: ignored
  - vendor: Hitachi Energy
    product: RTU500
    version: 13.2.1
    name: Station RTU
"""


def test_yaml_device_list_keeps_versions_as_written() -> None:
    data = YAML_LIST.encode()
    assert detect("station4.yml", data) is DeviceListYaml
    parsed = parse_bytes("station4.yml", data)
    assert [(c.vendor, c.product, c.version, c.name, c.location) for c in parsed.components] == [
        ("Schneider Electric", "Modicon M340", "3.40", "Modicon M340", "device 1 (line 3)"),
        ("Hitachi Energy", "RTU500", "13.2.1", "Station RTU", "device 2 (line 8)"),
    ]


def test_a_bare_yaml_list() -> None:
    data = "- {vendor: Bürkert, product: Type 8693, version: '2.0'}\n".encode()
    (device,) = DeviceListYaml().parse("d.yaml", data).components
    assert (device.vendor, device.version) == ("Bürkert", "2.0")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("- vendor: A\n  product: B\n", "device 1 (line 1): no version key"),
        ("- vendor: A\n  product: B\n  version:\n", "device 1 (line 1): version is empty"),
        ("- vendor: A\n  product: [B]\n  version: 1\n", "product must be a single value"),
        ("devices: {vendor: A}\n", "a list of devices is expected"),
        ("hosts: []\n", "a mapping with a 'devices' list is expected"),
        ("- vendor: A\n  product: B\n  version: '1\n", "not valid YAML"),
        ("- just a string\n", "a device is a mapping"),
    ],
)
def test_yaml_errors_name_the_device_and_line(text: str, why: str) -> None:
    with pytest.raises(InventoryRejected) as caught:
        DeviceListYaml().parse("d.yaml", text.encode())
    assert why in str(caught.value)


def test_sniffing_does_not_take_other_files() -> None:
    assert not DeviceListCsv.sniff("x", b"name,version\nrequests,2.31.0\n")
    assert not DeviceListYaml.sniff("x", b'{"vendor": 1, "product": 2, "version": 3}')
    assert not DeviceListYaml.sniff("x", b"vendor: a\nproduct: b\n")
