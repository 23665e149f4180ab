"""Agreement documents: judged by content, stored under a random name, served through restrict().

Every file here is built in memory: a minimal PDF, Office Open XML and OpenDocument zips, OLE2
compound files with a real directory, and zip bombs that inflate zeros (cheap to build).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from datasharing import documents
from datasharing.models import Document
from pim import filetypes

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    b"%s</Types>"
)
MAIN = {
    "word": b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xl": b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "ppt": b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
MAIN_PART = {"word": "word/document.xml", "xl": "xl/workbook.xml", "ppt": "ppt/presentation.xml"}
DOCM_MAIN = b"application/vnd.ms-word.document.macroEnabled.main+xml"


def content_types(main: bytes, part: str) -> bytes:
    return CONTENT_TYPES % f'<Override PartName="/{part}" ContentType="{main.decode()}"/>'.encode()


def ooxml(top="word", *, extra=(), main=None) -> bytes:
    part = MAIN_PART[top]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types(main or MAIN[top], part))
        archive.writestr("_rels/.rels", b"<Relationships/>")
        archive.writestr(part, b"<document>Signed by both parties.</document>")
        for name, data in extra:
            archive.writestr(name, data)
    return out.getvalue()


def odf(kind="text", *, extra=()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), f"application/vnd.oasis.opendocument.{kind}"
        )  # first, stored
        archive.writestr("content.xml", b"<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", b"<manifest:manifest/>")
        for name, data in extra:
            archive.writestr(name, data)
    return out.getvalue()


def ole2(*streams: str) -> bytes:
    """A compound file (version 3, 512-byte sectors): a FAT sector, then the directory."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = (
        filetypes.OLE2_SIGNATURE
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<108I", *[free] * 108)
    )
    assert len(header) == 512
    fat = struct.pack("<128I", fat_sector, end, *[free] * 126)

    def entry(name: str, kind: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", free, free, free)
            + bytes(16 + 4 + 16)
            + struct.pack("<II", end, 0)
            + bytes(4)
        )

    entries = [entry("Root Entry", 5), *(entry(name, 2) for name in streams)]
    directory = b"".join(entries).ljust(512, b"\0")
    assert len(directory) == 512
    return header + fat + directory


def zeros_zip(name_content: list[tuple[str, bytes]], member: str, megabytes: int) -> bytes:
    """A zip with small members and one that inflates to ``megabytes`` MB of zeros, streamed."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in name_content:
            archive.writestr(name, data)
        with archive.open(member, "w", force_zip64=True) as stream:
            chunk = bytes(1024 * 1024)
            for _ in range(megabytes):
                stream.write(chunk)
    return out.getvalue()


def docx_bomb(megabytes: int) -> bytes:
    return zeros_zip(
        [("[Content_Types].xml", content_types(MAIN["word"], "word/document.xml"))],
        "word/document.xml",
        megabytes,
    )


def lying_bomb(megabytes: int) -> bytes:
    """A bomb whose headers claim its big member holds 10 bytes."""
    data = bytearray(
        zeros_zip(
            [("[Content_Types].xml", content_types(MAIN["word"], "word/document.xml"))],
            "word/media.bin",
            megabytes,
        )
    )
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    member = archive.getinfo("word/media.bin")
    # The zip64 extra fields hold the real sizes: point both headers at 10 bytes instead.
    real = struct.pack("<Q", member.file_size)
    lie = struct.pack("<Q", 10)
    assert data.count(real) >= 1
    return bytes(data.replace(real, lie))


PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
EXE = b"MZ\x90\x00" + bytes(60) + b"This program cannot be run in DOS mode."


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", b"not an office document")
        archive.writestr("word/readme.txt", b"a folder called word is not enough")
    return out.getvalue()


ACCEPTED = [
    ("agreement.pdf", PDF, filetypes.PDF),
    ("signed.docx", ooxml("word"), filetypes.DOCX),
    ("annex.xlsx", ooxml("xl"), filetypes.XLSX),
    ("slides.pptx", ooxml("ppt"), filetypes.PPTX),
    ("signed.odt", odf("text"), filetypes.ODT),
    ("annex.ods", odf("spreadsheet"), filetypes.ODS),
    ("slides.odp", odf("presentation"), filetypes.ODP),
    ("old.doc", ole2("WordDocument", "1Table", "\x05SummaryInformation"), filetypes.DOC),
    ("old.xls", ole2("Workbook"), filetypes.XLS),
    ("old.ppt", ole2("PowerPoint Document", "Current User"), filetypes.PPT),
]


def stored_files(tmp_path) -> list:
    folder = tmp_path / "agreements"
    return sorted(folder.iterdir()) if folder.exists() else []


def upload(client, agreement, name, content, kind="annex"):
    return client.post(
        reverse("datasharing:document_add", args=[agreement.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )


def raw_upload(client, agreement, disposition: bytes, content: bytes):
    """A multipart body written by hand: the test client would strip the path from the name."""
    boundary = b"----boundary7MA4YWxkTrZu0gW"
    body = b"".join(
        [
            b"--" + boundary + b"\r\n",
            b'Content-Disposition: form-data; name="kind"\r\n\r\nsigned\r\n',
            b"--" + boundary + b"\r\n",
            b'Content-Disposition: form-data; name="file"; ' + disposition + b"\r\n",
            b"Content-Type: application/pdf\r\n\r\n",
            content + b"\r\n",
            b"--" + boundary + b"--\r\n",
        ]
    )
    return client.generic(
        "POST",
        reverse("datasharing:document_add", args=[agreement.pk]),
        body,
        content_type=f"multipart/form-data; boundary={boundary.decode()}",
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- Accepted, stored, served back ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"), ACCEPTED, ids=[a[0] for a in ACCEPTED]
)
def test_each_accepted_type_is_stored_and_served_byte_identical(
    registry, media, name, content, content_type
):
    r = registry
    response = upload(r.client("alice"), r.shared, name, content, kind="signed")
    assert response.status_code == 302
    assert response["Location"] == f"{r.shared.get_absolute_url()}#documents"
    document = Document.objects.get()
    assert (document.name, document.kind, document.agreement) == (name, "signed", r.shared)
    assert document.content_type == content_type
    assert document.size == len(content)
    assert document.uploaded_by == r.alice
    assert re.fullmatch(r"[0-9a-f]{32}", document.stored_name)
    assert stored_files(media) == [media / "agreements" / document.stored_name]
    assert (media / "agreements" / document.stored_name).read_bytes() == content

    for reader in ("stella", "bob", "alice", "charlie"):  # a steward, party members and admins
        response = r.client(reader).get(
            reverse("datasharing:document_download", args=[document.pk])
        )
        assert response.status_code == 200, reader
        assert b"".join(response.streaming_content) == content
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_named_person_adds_and_reads_the_documents_of_a_severe_agreement(registry, media):
    r = registry
    content = ooxml("xl")
    assert upload(r.client("nadia"), r.severe, "cases.xlsx", content).status_code == 302
    document = Document.objects.get(agreement=r.severe)
    url = reverse("datasharing:document_download", args=[document.pk])
    for reader in ("nadia", "stella", "root"):
        response = r.client(reader).get(url)
        assert response.status_code == 200, reader
        assert b"".join(response.streaming_content) == content
    # Parties see neither a severe agreement nor its documents; outsiders see nothing.
    for outsider in ("alice", "bob", "charlie", "dave", "tariq"):
        assert r.client(outsider).get(url).status_code == 404, outsider


def test_only_those_who_may_change_the_agreement_upload(registry, media):
    r = registry
    refused = [
        ("dave", r.shared),
        ("tariq", r.shared),
        ("bob", r.shared),  # a member reads, does not write
        ("alice", r.severe),  # an admin of a party, but severe: named people only
        ("bob", r.severe),
        ("dave", r.severe),
        ("tariq", r.severe),
        ("charlie", r.severe),
        ("nadia", r.shared),  # a member of a party; named on the severe one only
        ("alice", r.hidden),
    ]
    for name, agreement in refused:
        client = r.client(name)
        url = reverse("datasharing:document_add", args=[agreement.pk])
        assert client.get(url).status_code == 404, name
        assert upload(client, agreement, "a.pdf", PDF).status_code == 404, name
    assert not Document.objects.exists()
    assert stored_files(media) == []
    # Signed out: to the sign-in page.
    response = r.client(None).get(reverse("datasharing:document_add", args=[r.shared.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_form_page_for_those_who_may_change(registry, media):
    r = registry
    response = r.client("stella").get(reverse("datasharing:document_add", args=[r.shared.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "Signed copy" in page and "Annex" in page
    assert "up to 20 MB" in page


def test_outsiders_download_nothing(registry, media):
    r = registry
    upload(r.client("stella"), r.shared, "a.pdf", PDF)
    upload(r.client("stella"), r.hidden, "b.pdf", PDF)
    shared = Document.objects.get(agreement=r.shared)
    hidden = Document.objects.get(agreement=r.hidden)
    for name in ("dave", "tariq"):
        url = reverse("datasharing:document_download", args=[shared.pk])
        assert r.client(name).get(url).status_code == 404, name
    for name in ("alice", "bob", "dave", "nadia"):
        url = reverse("datasharing:document_download", args=[hidden.pk])
        assert r.client(name).get(url).status_code == 404, name
    assert (
        r.client("tariq")
        .get(reverse("datasharing:document_download", args=[hidden.pk]))
        .status_code
        == 200
    )
    assert (
        r.client(None).get(reverse("datasharing:document_download", args=[shared.pk])).status_code
        == 302
    )  # to sign in


def test_a_missing_file_answers_404(registry, media):
    r = registry
    upload(r.client("stella"), r.shared, "a.pdf", PDF)
    document = Document.objects.get()
    (media / "agreements" / document.stored_name).unlink()
    url = reverse("datasharing:document_download", args=[document.pk])
    assert r.client("stella").get(url).status_code == 404
    # A stored name that is not ours is never followed as a path.
    Document.objects.filter(pk=document.pk).update(stored_name="../../pim/settings.py")
    assert r.client("stella").get(url).status_code == 404


def test_files_are_never_reachable_under_media(registry, media):
    r = registry
    upload(r.client("stella"), r.shared, "a.pdf", PDF)
    document = Document.objects.get()
    client = r.client("stella")
    for url in (
        f"/media/agreements/{document.stored_name}",
        f"/media/{document.stored_name}",
        f"/agreements/{document.stored_name}",
    ):
        assert client.get(url).status_code == 404, url


# --- Refused: a message, and nothing stored ----------------------------------------------------


REFUSALS = [
    ("image.pdf", PNG, filetypes.NOT_ACCEPTED),
    ("page.pdf", HTML, filetypes.NOT_ACCEPTED),
    ("setup.docx", EXE, filetypes.NOT_ACCEPTED),
    ("archive.docx", plain_zip(), filetypes.NOT_OFFICE_ZIP),
    (
        "macros.docx",
        ooxml("word", main=DOCM_MAIN, extra=[("word/vbaProject.bin", b"\x00" * 64)]),
        filetypes.MACROS,
    ),
    ("macros-only-declared.docx", ooxml("word", main=DOCM_MAIN), filetypes.MACROS),
    ("macros.xlsx", ooxml("xl", extra=[("xl/vbaProject.bin", b"\x00" * 64)]), filetypes.MACROS),
    (
        "macros.odt",
        odf("text", extra=[("Basic/Standard/Module1.xml", b"<script:module/>")]),
        filetypes.MACROS,
    ),
    ("macros.doc", ole2("WordDocument", "Macros", "VBA"), filetypes.MACROS),
    ("macros.xls", ole2("Workbook", "_VBA_PROJECT_CUR", "VBA"), filetypes.MACROS),
    ("locked.docx", ole2("EncryptionInfo", "EncryptedPackage"), filetypes.PASSWORD),
    ("installer.doc", ole2("SummaryInformation", "Binary.bin"), filetypes.NOT_ACCEPTED),
    ("not-odf.odt", odf("graphics"), filetypes.NOT_OFFICE_ZIP),
    ("truncated.docx", ooxml("word")[:-30], filetypes.DAMAGED),
    ("empty.pdf", b"", filetypes.EMPTY),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSALS, ids=[a[0] for a in REFUSALS])
def test_refused_files_leave_nothing_behind(registry, media, name, content, message):
    r = registry
    response = upload(r.client("stella"), r.shared, name, content)
    assert response.status_code == 200
    assert str(message) in response.content.decode().replace("&#x27;", "'")
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_an_oversized_file_is_refused(registry, media, settings):
    settings.DOCUMENT_MAX_MB = 1
    r = registry
    content = PDF + bytes(1024 * 1024 + 512 * 1024)
    response = upload(r.client("stella"), r.shared, "big.pdf", content)
    assert response.status_code == 200
    assert "The file is larger than 1 MB." in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files(media) == []
    # Exactly the cap is fine.
    exact = PDF + bytes(1024 * 1024 - len(PDF))
    assert upload(r.client("stella"), r.shared, "fits.pdf", exact).status_code == 302


@pytest.mark.parametrize("bomb", [docx_bomb, lying_bomb], ids=["declared", "lying"])
def test_a_zip_bomb_is_refused(registry, media, settings, bomb):
    settings.DOCUMENT_MAX_MB = 1
    content = bomb(12)  # 12 MB of zeros: more than 10 times the 1 MB cap
    assert len(content) < 100 * 1024
    r = registry
    response = upload(r.client("stella"), r.shared, "bomb.docx", content)
    assert response.status_code == 200
    assert str(filetypes.ZIP_BOMB) in response.content.decode().replace("&#x27;", "'")
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_a_zip_under_the_unpacking_budget_is_accepted(settings):
    settings.DOCUMENT_MAX_MB = 1
    content = docx_bomb(8)  # 8 MB unpacked: within 10 times the cap
    inspected = documents.inspect_upload(SimpleUploadedFile("big.docx", content))
    assert inspected.content_type == filetypes.DOCX


def test_messages_are_translatable():
    from django.utils.functional import Promise

    for message in (
        filetypes.TOO_BIG,
        filetypes.EMPTY,
        filetypes.NOT_ACCEPTED,
        filetypes.NOT_OFFICE_ZIP,
        filetypes.MACROS,
        filetypes.ZIP_BOMB,
        filetypes.DAMAGED,
        filetypes.PASSWORD,
    ):
        assert isinstance(message, Promise)


# --- Reading: never more than the cap ---------------------------------------------------------


class CountingUpload(io.BytesIO):
    def __init__(self, data: bytes, size: int):
        super().__init__(data)
        self.size = size
        self.bytes_read = 0

    def read(self, n=-1):
        chunk = super().read(n)
        self.bytes_read += len(chunk)
        return chunk


def test_a_declared_oversize_is_refused_before_reading():
    upload_ = CountingUpload(PDF + bytes(3 * 1024 * 1024), size=3 * 1024 * 1024 + len(PDF))
    with pytest.raises(filetypes.RefusedFile) as refused:
        filetypes.inspect_upload(upload_, 1024 * 1024)
    assert refused.value.message == filetypes.TOO_BIG
    assert upload_.bytes_read == 0


def test_a_size_that_lies_stops_reading_at_the_cap_plus_one():
    upload_ = CountingUpload(PDF + bytes(3 * 1024 * 1024), size=10)
    with pytest.raises(filetypes.RefusedFile):
        filetypes.inspect_upload(upload_, 1024 * 1024)
    assert upload_.bytes_read == 1024 * 1024 + 1


# --- Names: shown, never used as paths ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\boot.ini.pdf", "boot.ini.pdf"),
        ("/abs/path.pdf", "path.pdf"),
        ("C:\\Users\\me\\Signed copy.pdf", "Signed_copy.pdf"),
        ("evil\x00name\n.pdf", "evilname.pdf"),
        ("report\u202efdp.exe", "reportfdp.exe.pdf"),  # no right-to-left override trick
        ("page.html", "page.html.pdf"),  # the extension follows the content
        ("", "document.pdf"),
        ("..", "document.pdf"),
        ("../", "document.pdf"),
        ("***.pdf", "document.pdf"),
        (".pdf", "document.pdf"),
        ("اتفاقية موقعة.pdf", "اتفاقية_موقعة.pdf"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
        (None, "document.pdf"),
    ],
)
def test_display_names(raw, expected):
    assert documents.display_name(raw, filetypes.PDF) == expected


def test_display_names_keep_a_matching_extension_whatever_its_case():
    assert documents.display_name("Annex.DOCX", filetypes.DOCX) == "Annex.DOCX"
    assert documents.display_name("annex.doc", filetypes.DOCX) == "annex.doc.docx"
    assert documents.display_name("old.dot", filetypes.DOC) == "old.dot"


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        (b'filename="../../etc/passwd.pdf"', "passwd.pdf"),
        (b'filename="..\\\\..\\\\boot.ini.pdf"', "boot.ini.pdf"),
        (b'filename="/abs/path.pdf"', "path.pdf"),
        (b"filename*=UTF-8''evil%00name%0A%0D.pdf", "evilname.pdf"),
        (b"filename*=UTF-8''..%2F..%2Fetc%2Fpasswd.pdf", "passwd.pdf"),
    ],
)
def test_path_traversal_names_are_stored_under_a_random_name(
    registry, media, disposition, expected
):
    r = registry
    response = raw_upload(r.client("stella"), r.shared, disposition, PDF)
    assert response.status_code == 302, response.content.decode()[:2000]
    document = Document.objects.get()
    assert document.name == expected
    assert re.fullmatch(r"[0-9a-f]{32}", document.stored_name)
    # Only the random name, only in MEDIA_ROOT/agreements; nothing anywhere else.
    assert [p.relative_to(media) for p in media.rglob("*")] == [
        media.joinpath("agreements").relative_to(media),
        (media / "agreements" / document.stored_name).relative_to(media),
    ]
    response = r.client("stella").get(reverse("datasharing:document_download", args=[document.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'


# --- Storage: both or neither ----------------------------------------------------------------


def test_when_the_row_cannot_be_saved_no_file_stays(registry, media, monkeypatch):
    r = registry

    def broken(**kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(Document.objects, "create", broken)
    inspected = filetypes.Inspected(content=PDF, content_type=filetypes.PDF)
    with pytest.raises(RuntimeError):
        documents.store(r.shared, inspected, name="a.pdf", kind="signed", user=r.stella)
    assert list((media / "agreements").iterdir()) == []
    assert not Document.objects.exists()


def test_stored_names_are_unique_and_random(registry, media):
    r = registry
    for index in range(3):
        upload(r.client("stella"), r.shared, f"same{index}.pdf", PDF)
    names = set(Document.objects.values_list("stored_name", flat=True))
    assert len(names) == 3
    assert {p.name for p in stored_files(media)} == names


# --- The partial on the agreement page --------------------------------------------------------


def test_the_partial_lists_documents_without_queries(
    registry, media, rf, django_assert_num_queries
):
    r = registry
    upload(r.client("alice"), r.shared, "signed.pdf", PDF, kind="signed")
    upload(r.client("stella"), r.shared, "annex.xlsx", ooxml("xl"), kind="annex")
    listed = list(
        Document.objects.restrict(r.bob, "view")
        .filter(agreement=r.shared)
        .select_related("uploaded_by")
    )
    with django_assert_num_queries(0):
        html = render_to_string(
            "datasharing/includes/documents.html",
            {"object": r.shared, "documents": listed, "can_change": False},
        )
    for document in listed:
        assert reverse("datasharing:document_download", args=[document.pk]) in html
    assert "signed.pdf" in html and "annex.xlsx" in html
    assert "Signed copy" in html and "Annex" in html
    assert "Alice Aardvark" in html and "Stella Steward" in html
    assert "Add a document" not in html

    html = render_to_string(
        "datasharing/includes/documents.html",
        {"object": r.shared, "documents": [], "can_change": True},
    )
    assert "No document yet." in html
    assert reverse("datasharing:document_add", args=[r.shared.pk]) in html
