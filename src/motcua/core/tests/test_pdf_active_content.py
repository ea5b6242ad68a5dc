"""PDF attachments that could run or open something by themselves are refused with the reason."""

import io

import pytest
from fpdf import FPDF
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.embed import EmbeddedFileObject, FileSpec, embed_file
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from motcua.core.uploads import UploadRefused, check_upload


def plain_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(text="Don de nghi")
    return bytes(pdf.output())


def with_root_entry(key: str, value_of) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(plain_pdf()))
    writer.root[generic.NameObject(key)] = writer.add_object(value_of(writer))
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def js_action(writer):
    return generic.DictionaryObject(
        {
            generic.NameObject("/S"): generic.NameObject("/JavaScript"),
            generic.NameObject("/JS"): generic.TextStringObject("app.alert('x')"),
        }
    )


def refusal(data: bytes) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        check_upload("don.pdf", data)
    return caught.value


def test_a_plain_pdf_is_still_accepted():
    assert check_upload("don.pdf", plain_pdf()).pages == 1


def test_a_pdf_opening_on_a_page_is_accepted():
    def goto_first_page(writer):
        page = writer.root["/Pages"]["/Kids"][0]
        return generic.ArrayObject([page, generic.NameObject("/Fit")])

    assert check_upload("don.pdf", with_root_entry("/OpenAction", goto_first_page)).pages == 1


def test_open_action_javascript_is_refused_naming_javascript():
    error = refusal(with_root_entry("/OpenAction", js_action))
    assert error.reason == "active-content"
    assert "JavaScript" in error.detail


def test_a_launch_action_is_refused():
    def launch(writer):
        return generic.DictionaryObject(
            {
                generic.NameObject("/S"): generic.NameObject("/Launch"),
                generic.NameObject("/F"): generic.TextStringObject("cmd.exe"),
            }
        )

    error = refusal(with_root_entry("/OpenAction", launch))
    assert error.reason == "active-content" and "/Launch" in error.detail


def test_additional_actions_are_refused():
    def aa(writer):
        return generic.DictionaryObject(
            {generic.NameObject("/O"): writer.add_object(js_action(writer))}
        )

    assert refusal(with_root_entry("/AA", aa)).reason == "active-content"


def test_an_embedded_file_is_refused():
    writer = IncrementalPdfFileWriter(io.BytesIO(plain_pdf()))
    embed_file(
        writer,
        FileSpec(
            file_spec_string="virus.exe",
            embedded_data=EmbeddedFileObject.from_file_data(writer, data=b"MZ\x90\x00"),
        ),
    )
    out = io.BytesIO()
    writer.write(out)
    error = refusal(out.getvalue())
    assert error.reason == "active-content" and "tệp nhúng" in error.detail


def test_javascript_hidden_behind_name_escapes_in_an_unreferenced_object_is_refused():
    data = plain_pdf()
    hidden = b"\n99 0 obj\n<< /S /J#61vaScript /J#53 (app.alert(1)) >>\nendobj\n"
    xref = data.rindex(b"\nxref")  # before the table: the offsets it lists stay right
    data = data[:xref] + hidden + data[xref:]
    startxref = data.rindex(b"startxref")
    old = int(data[startxref + 10 :].split()[0])
    data = data[:startxref] + b"startxref\n%d\n%%%%EOF\n" % (old + len(hidden))
    assert refusal(data).reason == "active-content"
