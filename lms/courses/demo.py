"""Demo content for `flask seed-demo`: programs, the course "Pelayanan Publik Prima", a PKP
angkatan with peserta1 and peserta2 (mentor and coach assigned), and a self-enrolment class.

Runs after the demo accounts exist; running it twice changes nothing. JP figures of programs are
data an admin changes (DOMAIN.md: verify them against the current regulations).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms.accounts.models import User
from lms.courses import services
from lms.courses.models import Angkatan, Course, Enrolment, Program, ProgramKind
from lms.extensions import db

COURSE_SLUG = "pelayanan-publik-prima"
ANGKATAN_NAME = "PKP Angkatan IX Tahun 2026"
SELF_PACED_NAME = "Kelas Mandiri Pelayanan Publik Prima"

PROGRAMS = [
    (
        "PKN-II",
        "Pelatihan Kepemimpinan Nasional Tingkat II",
        ProgramKind.LEADERSHIP,
        0,
        "Pelatihan kepemimpinan bagi pejabat pimpinan tinggi pratama. Isi JP sesuai pedoman LAN terbaru.",
        "proyek perubahan",
    ),
    (
        "PKA",
        "Pelatihan Kepemimpinan Administrator",
        ProgramKind.LEADERSHIP,
        908,
        "Pelatihan kepemimpinan bagi pejabat administrator (908 JP pada 2024; periksa pedoman terbaru).",
        "aksi perubahan",
    ),
    (
        "PKP",
        "Pelatihan Kepemimpinan Pengawas",
        ProgramKind.LEADERSHIP,
        830,
        "Pelatihan kepemimpinan bagi pejabat pengawas: pembelajaran klasikal dan aksi perubahan di "
        "instansi asal (830 JP pada 2020; periksa pedoman terbaru).",
        "aksi perubahan",
    ),
    (
        "LATSAR",
        "Pelatihan Dasar CPNS",
        ProgramKind.LATSAR,
        0,
        "Pelatihan dasar bagi calon pegawai negeri sipil. Isi JP sesuai pedoman LAN terbaru.",
        "aktualisasi",
    ),
]

COURSE_SUMMARY = (
    "Memahami asas pelayanan publik, menyusun standar pelayanan, membaca hasil Survei Kepuasan "
    "Masyarakat, dan merancang inovasi pelayanan yang sederhana namun berdampak."
)
COURSE_DESCRIPTION = """\
Kursus mandiri ini membekali pejabat pengawas dan administrator untuk **memperbaiki layanan di
unitnya sendiri**. Setiap pelajaran singkat (5 sampai 15 menit) dan dapat diunduh untuk dibaca
tanpa sinyal.

Setelah menyelesaikan kursus ini, peserta mampu:

1. menjelaskan asas dan prinsip pelayanan publik;
2. memeriksa kelengkapan standar pelayanan unitnya;
3. membaca hasil Survei Kepuasan Masyarakat (SKM) dan memilih unsur yang perlu diperbaiki;
4. merumuskan gagasan inovasi sebagai bahan aksi perubahan.
"""

L1 = """\
## Pelayanan publik itu apa?

Pelayanan publik adalah kegiatan untuk memenuhi kebutuhan pelayanan bagi setiap warga negara dan
penduduk atas **barang, jasa, dan/atau pelayanan administratif** yang disediakan penyelenggara
pelayanan publik (UU Nomor 25 Tahun 2009 tentang Pelayanan Publik).

Contoh di sekitar kita:

| Jenis | Contoh |
|---|---|
| Administratif | KTP-el, akta kelahiran, izin usaha |
| Barang | air bersih, obat di puskesmas |
| Jasa | layanan kesehatan, pendidikan, transportasi |

### Asas yang perlu diingat

- **Kepentingan umum**: layanan tidak mengutamakan kepentingan pribadi atau golongan.
- **Kepastian hukum**: hak dan kewajiban jelas dan dapat ditagih.
- **Kesamaan hak**: tidak membedakan suku, agama, golongan, gender, atau status ekonomi.
- **Keterbukaan**: persyaratan, biaya, dan waktu mudah diketahui.
- **Fasilitas dan perlakuan khusus** bagi kelompok rentan, misalnya lansia dan penyandang disabilitas.
- **Ketepatan waktu, kecepatan, kemudahan, dan keterjangkauan.**

> Pertanyaan refleksi: dari asas di atas, mana yang paling sering dikeluhkan warga di unit Anda?
"""

L2 = """\
## Standar pelayanan: janji yang dapat diukur

Standar pelayanan adalah tolok ukur penyelenggaraan layanan sekaligus **janji** kepada warga.
Standar disusun bersama masyarakat, ditetapkan pimpinan, lalu dipublikasikan.

### Enam komponen yang tampak oleh warga (*service delivery*)

1. Persyaratan
2. Sistem, mekanisme, dan prosedur
3. Jangka waktu pelayanan
4. Biaya/tarif
5. Produk pelayanan
6. Penanganan pengaduan, saran, dan masukan

### Delapan komponen di dalam organisasi (*manufacturing*)

- Dasar hukum
- Sarana, prasarana, dan/atau fasilitas
- Kompetensi pelaksana
- Pengawasan internal
- Jumlah pelaksana
- Jaminan pelayanan
- Jaminan keamanan dan keselamatan pelayanan
- Evaluasi kinerja pelaksana

### Latihan singkat

Ambil satu layanan di unit Anda. Apakah keenam komponen *service delivery* sudah terpampang di
ruang layanan **dan** di laman instansi? Catat yang belum ada; itu calon perbaikan cepat.
"""

L3_ALT = """\
**Alternatif teks video.** Video ini contoh tayangan; ganti alamatnya dengan video
lembaga Anda tentang maklumat pelayanan.

Maklumat pelayanan adalah pernyataan tertulis penyelenggara yang berisi kesanggupan dan kewajiban
untuk melaksanakan pelayanan sesuai standar pelayanan. Maklumat yang baik:

- singkat, jelas, dan ditandatangani pimpinan unit;
- dipasang di tempat yang mudah dilihat warga dan diunggah ke laman instansi;
- menyebut cara menyampaikan pengaduan bila janji tidak ditepati.

Contoh kalimat: *"Dengan ini, kami menyatakan sanggup menyelenggarakan pelayanan sesuai standar
pelayanan yang telah ditetapkan dan apabila tidak menepati janji ini, kami siap menerima sanksi
sesuai peraturan perundang-undangan yang berlaku."*
"""

L4 = """\
## Survei Kepuasan Masyarakat (SKM)

SKM mengukur kepuasan warga atas layanan secara berkala, sedikitnya sekali setahun, dengan
sembilan unsur (PermenPANRB Nomor 14 Tahun 2017; periksa peraturan terbaru):

1. Persyaratan
2. Sistem, mekanisme, dan prosedur
3. Waktu penyelesaian
4. Biaya/tarif
5. Produk spesifikasi jenis pelayanan
6. Kompetensi pelaksana
7. Perilaku pelaksana
8. Penanganan pengaduan, saran, dan masukan
9. Sarana dan prasarana

### Membaca hasilnya

Setiap unsur dinilai 1 sampai 4. Nilai rata-rata per unsur dikalikan bobot yang sama, dijumlahkan,
lalu dikonversi ke skala 100 (dikali 25). Hasil akhir disebut **Indeks Kepuasan Masyarakat (IKM)**.

| Nilai konversi | Mutu | Kinerja |
|---|---|---|
| 88,31 - 100,00 | A | Sangat baik |
| 76,61 - 88,30 | B | Baik |
| 65,00 - 76,60 | C | Kurang baik |
| 25,00 - 64,99 | D | Tidak baik |

**Kiat:** jangan berhenti pada angka total. Urutkan sembilan unsur dari nilai terendah; dua unsur
terbawah adalah tempat terbaik untuk memulai perbaikan, dan sering menjadi bahan aksi perubahan.
"""

L5 = """\
## Dari keluhan ke inovasi

Inovasi pelayanan publik tidak harus aplikasi. Yang penting **baru bagi unit Anda** dan
**memberi manfaat nyata** bagi warga.

### Langkah sederhana

1. **Temukan masalah** dari data: unsur SKM terendah, pengaduan di SP4N-LAPOR!, antrean terpanjang.
2. **Dengarkan warga**: wawancarai lima pengguna layanan; catat apa yang paling merepotkan.
3. **Rancang perubahan kecil** yang bisa diuji dalam dua sampai empat minggu.
4. **Uji coba dan ukur**: waktu layanan sebelum dan sesudah, jumlah pengaduan, kepuasan.
5. **Lembagakan**: tuangkan dalam SOP atau keputusan pimpinan agar bertahan setelah pelatihan.

### Contoh gagasan

- Daftar persyaratan satu halaman dengan gambar, dibagikan lewat pesan singkat sebelum warga datang.
- Layanan jemput bola untuk lansia dan penyandang disabilitas pada hari tertentu.
- Papan status berkas sehingga warga tidak perlu bertanya berulang kali.

Gagasan yang lolos uji coba dapat menjadi **milestone jangka pendek** aksi perubahan Anda.
"""

L6_TEXT = """\
SP4N-LAPOR! adalah kanal pengaduan pelayanan publik nasional. Buka portalnya, pelajari alur
tindak lanjut pengaduan, lalu periksa apakah unit Anda sudah terhubung sebagai admin penghubung.
"""

MODULES = [
    (
        "Dasar Pelayanan Publik",
        "Pengertian, asas, standar pelayanan, dan maklumat pelayanan.",
        [
            services.LessonData(title="Apa itu pelayanan publik?", body_md=L1, duration_minutes=10),
            services.LessonData(title="Standar pelayanan: 14 komponen", body_md=L2, duration_minutes=15),
            services.LessonData(
                title="Video: Maklumat pelayanan",
                kind="video",
                video_url="https://www.youtube.com/watch?v=aqz-KE-bpKQ",
                body_md=L3_ALT,
                duration_minutes=10,
            ),
        ],
    ),
    (
        "Mengukur dan Meningkatkan Pelayanan",
        "Survei Kepuasan Masyarakat, pengaduan, dan inovasi pelayanan.",
        [
            services.LessonData(title="Survei Kepuasan Masyarakat (SKM)", body_md=L4, duration_minutes=15),
            services.LessonData(title="Dari keluhan ke inovasi", body_md=L5, duration_minutes=15),
            services.LessonData(
                title="Kenali SP4N-LAPOR!",
                kind="link",
                link_url="https://www.lapor.go.id/",
                body_md=L6_TEXT,
                duration_minutes=5,
            ),
        ],
    ),
]


def _programs() -> dict[str, Program]:
    found = {p.code: p for p in db.session.scalars(select(Program))}
    for code, name, kind, jp, description, label in PROGRAMS:
        if code not in found:
            found[code] = services.create_program(
                services.ProgramData(
                    code=code, name=name, kind=kind.value, jp=jp, description=description, project_label=label
                )
            )
    return found


def _course(program: Program) -> Course:
    course = services.course_by_slug(COURSE_SLUG)
    if course is not None:
        return course
    course = services.create_course(
        services.CourseData(
            title="Pelayanan Publik Prima",
            slug=COURSE_SLUG,
            summary=COURSE_SUMMARY,
            description_md=COURSE_DESCRIPTION,
            jp=10,
            program_id=program.id,
        )
    )
    for title, summary, lessons in MODULES:
        module = services.add_module(course, title, summary, published=True)
        for data in lessons:
            services.add_lesson(module, data)
    services.change_course_status(course, "published")
    return course


def _angkatan(name: str, **fields) -> Angkatan:
    angkatan = db.session.scalar(select(Angkatan).where(Angkatan.name == name))
    if angkatan is None:
        angkatan = services.create_angkatan(services.AngkatanData(name=name, **fields))
    return angkatan


def seed() -> dict:
    """Create the demo programs, course and angkatan that do not exist yet; return them."""
    programs = _programs()
    course = _course(programs["PKP"])
    pkp = _angkatan(
        ANGKATAN_NAME,
        program_id=programs["PKP"].id,
        start_date=date(2026, 2, 2),
        end_date=date(2026, 12, 18),
        capacity=40,
    )
    _angkatan(SELF_PACED_NAME, course_id=course.id, enrolment_open=True)
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(_DEMO_PEOPLE)))}
    mentor, coach = users.get("mentor"), users.get("coach")
    for ndh, username in ((1, "peserta1"), (2, "peserta2")):
        user = users.get(username)
        if user is None:
            continue
        exists = db.session.scalar(
            select(Enrolment.id).where(Enrolment.angkatan_id == pkp.id, Enrolment.user_id == user.id)
        )
        if exists is None:
            services.enrol(pkp, user, ndh=ndh, mentor=mentor, coach=coach)
    db.session.flush()
    return {"programs": programs, "course": course, "angkatan": pkp}


_DEMO_PEOPLE = ("peserta1", "peserta2", "mentor", "coach")
