"""GIFT: every supported feature, line-numbered errors, unsupported features named, round trip."""

from __future__ import annotations

import pytest

from lms.quizzes import aiken, gift

FULL = r"""// A comment line that is ignored.
$CATEGORY: $course$/top/Modul 1/Etika

// [tag:etika] [tag:mudah] [id:ETK-1]
::Asas:: Salah satu asas pelayanan publik {
	=kepastian hukum#Benar.
	~keuntungan#Bukan asas.
	~%50%hampir benar
	####Lihat Pasal 4.
}

::Benar salah::[markdown]Pelayanan **prima** melampaui harapan.{T#Keliru#Tepat}

::Salah:: Bumi datar.{FALSE}

::Singkat:: Lembaga pengawas? {=Ombudsman* =%50%Komisi#Kurang tepat}

::Angka:: Pi {#3.14:0.01}

::Rentang:: Antara 1 dan 5 {#1..5}

::Banyak angka:: Nilai {#
	=%100%3:0#tepat
	=%50%3:1
	~#salah}

::Jodoh:: Pasangkan {
	=Jawa Barat -> Bandung
	=Bali -> Denpasar
	= -> Medan
}

::Esai:: Jelaskan \{kurung\}, \~tilde, \=sama, \#pagar dan \: titik dua.{}

Asas itu {~mudah =adil ~cepat} untuk semua.

$CATEGORY: Modul 2

::Html::[html]<p onclick="x()">Pilih <b>semua</b></p><script>alert(1)</script>{
	~%50%<i>a</i>
	~%50%b
	~%-100%c
}

::Baris:: Baris satu\nbaris dua {T}
"""


def test_every_feature_is_read():
    result = gift.parse(FULL, "full.gift")
    assert result.errors == []
    by_title = {q.title: q for q in result.questions}
    asas = by_title["Asas"]
    assert asas.qtype == "single"
    assert asas.category == "Modul 1/Etika"
    assert asas.tags == ["etika", "mudah"] and asas.idnumber == "ETK-1"
    assert [o["fraction"] for o in asas.data["options"]] == [1.0, 0.0, 0.5]
    assert asas.data["options"][0]["feedback"] == "Benar."
    assert asas.general_feedback == "Lihat Pasal 4."
    assert asas.line == 5

    tf = by_title["Benar salah"]
    assert tf.qtype == "truefalse" and tf.text_format == "markdown"
    assert tf.data == {"correct": True, "feedback_true": "Tepat", "feedback_false": "Keliru"}
    assert by_title["Salah"].data["correct"] is False

    short = by_title["Singkat"]
    assert short.qtype == "short"
    assert short.data["answers"][1] == {"text": "Komisi", "fraction": 0.5, "feedback": "Kurang tepat"}

    assert by_title["Angka"].data["answers"][0]["value"] == 3.14
    assert by_title["Angka"].data["answers"][0]["tolerance"] == 0.01
    assert by_title["Rentang"].data["answers"][0] == {
        "mode": "range",
        "min": 1.0,
        "max": 5.0,
        "fraction": 1.0,
        "feedback": "",
    }
    many = by_title["Banyak angka"]
    assert [a["fraction"] for a in many.data["answers"]] == [1.0, 0.5]
    assert many.data["wrong_feedback"] == "salah"

    match = by_title["Jodoh"]
    assert match.qtype == "matching" and match.data["pairs"][2] == {"id": "3", "left": "", "right": "Medan"}

    essay = by_title["Esai"]
    assert essay.qtype == "essay"
    assert essay.text == "Jelaskan {kurung}, ~tilde, =sama, #pagar dan : titik dua."

    missing = [q for q in result.questions if not q.title][0]
    assert missing.text == "Asas itu _____ untuk semua."

    html = by_title["Html"]
    assert html.qtype == "multi" and html.text_format == "html" and html.category == "Modul 2"
    assert by_title["Baris"].text == "Baris satu\nbaris dua"


def test_errors_carry_line_numbers_and_every_bad_question_is_listed():
    source = """::A:: tidak ditutup {~a =b

::B:: tanpa jawaban sama sekali

::C:: {=a -> b =c}

::D:: {~%abc%a =b}

::E:: numerik {#abc}

::F:: pilihan {
	~a
	~%250%b
}

::G:: bobot jamak {~%50%a ~%20%b}
"""
    result = gift.parse(source, "rusak.gift")
    lines = [e.line for e in result.errors]
    assert lines == [1, 3, 5, 7, 9, 13, 16]
    assert all(e.file == "rusak.gift" for e in result.errors)
    text = " ".join(str(e) for e in result.errors)
    assert "rusak.gift, baris 13" in text


@pytest.mark.parametrize(
    "source, named",
    [
        ("Hanya teks tanpa jawaban.", "deskripsi"),
        ("Dua {=a ~b} blok {=c ~d}", "lebih dari satu blok jawaban"),
        ("::J:: Jodoh {=a -> b#fb =c -> d}", "umpan balik (#) pada pasangan"),
        ('<img src="@@PLUGINFILE@@/a.png"> {T}', "@@PLUGINFILE@@"),
    ],
)
def test_unsupported_features_are_named_not_dropped(source, named):
    result = gift.parse(source)
    assert result.questions == []
    assert len(result.errors) == 1
    assert "tidak didukung" in result.errors[0].message
    assert named in result.errors[0].message


def test_an_empty_file_is_an_error_not_zero_questions():
    result = gift.parse("// hanya komentar\n\n")
    assert result.questions == [] and result.errors and "tidak berisi soal" in result.errors[0].message


def _comparable(q):
    return (
        q.qtype,
        q.title,
        q.text,
        q.text_format,
        q.data,
        q.general_feedback,
        q.category,
        q.tags,
        q.idnumber,
    )


def test_export_then_import_gives_the_same_questions():
    first = gift.parse(FULL).questions
    written = gift.write(first)
    second = gift.parse(written)
    assert second.errors == []
    assert [_comparable(q) for q in second.questions] == [_comparable(q) for q in first]


def test_writer_escapes_special_characters_and_percent_leading_text():
    question = gift.ParsedQuestion(
        line=0,
        qtype="single",
        title="a::b",
        text="x {y} ~ = # : \\ z\nbaris",
        text_format="plain",
        data={
            "options": [
                {"id": "1", "text": "%50% diskon", "fraction": 1.0, "feedback": ""},
                {"id": "2", "text": "lain", "fraction": 0.0, "feedback": ""},
            ]
        },
    )
    back = gift.parse(gift.write_question(question)).questions[0]
    assert back.title == "a::b" and back.text == question.text
    assert back.data["options"][0]["text"] == "%50% diskon"


AIKEN = """Apa kepanjangan SPM?
A. Standar Pelayanan Minimal
B) Sistem Pelayanan Masyarakat
C. Standar Prosedur Mutu
ANSWER: A

Lembaga pengawas pelayanan publik adalah
A. Ombudsman
B. BPK
ANSWER: a
"""


def test_aiken_reads_questions_and_answers():
    result = aiken.parse(AIKEN, "a.txt", default_category="Aiken")
    assert result.errors == []
    first, second = result.questions
    assert first.qtype == "single" and first.text == "Apa kepanjangan SPM?"
    assert [o["fraction"] for o in first.data["options"]] == [1.0, 0.0, 0.0]
    assert first.data["options"][1]["text"] == "Sistem Pelayanan Masyarakat"
    assert second.data["options"][0]["fraction"] == 1.0
    assert first.line == 1 and second.line == 7 and first.category == "Aiken"


def test_aiken_errors_with_line_numbers():
    source = """Soal satu
A. a
B. b
ANSWER: C

Soal dua
A. a
ANSWER: A

Soal tiga
A. a
A. b
ANSWER: A

Soal empat
A. a
B. b
Soal lima tanpa ANSWER
A. x
B. y
"""
    result = aiken.parse(source, "a.txt")
    assert result.questions == []
    assert [e.line for e in result.errors] == [4, 6, 12, 15, 18]
