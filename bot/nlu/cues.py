"""Cues about what a message *asks*, which a bag of words weighs poorly.

The naive Bayes scores say what a message talks *about*; a resident often talks about one topic
and asks about another ("ktp sy ilang, bikin lagi bayar gak?" asks about cost), or uses a word
of one topic in the sense of another ("kk sy hilang" is not a lost e-KTP). These rules adjust the
scores (log space, added after the keywords) for the patterns where that matters. They look at
the canonical tokens of the message and their stems:

* **cost question** — money words without a complaint, another agency or a "how to" push
  ``biaya`` (the answer: every population document is free, and how to report a demand).
* **other agency** — tax, driving licence, passport, electricity... with no population document
  in sight push ``lainnya``.
* **lost object** — ``hilang`` is about the e-KTP: a lost family card, NPWP or booking code
  without any card mentioned is pushed away from it.
* **anchors** — ``sekolah``, ``cetak`` and ``status`` are almost never meant without one of
  their words (a school or pupil; printed, ready, collected; mine, already, how far).
* **excluders** — a message about recording is never about other documents or out of scope;
  primary-school enrolment is never a school recording day.
* **eligibility** — a young age with "can/may" and no wish to book asks whether one may record.
* **follow-up** — a request already made ("udh ngajuin minggu lalu"), the more so with the
  office's answer in question ("udah diterima blm"), asks for its status.
* **schedule** — "jadwal ..." with nobody booking, moving or owning it asks for opening days.

Everything here is a plain word list, easy to extend, and costs a few set look-ups per message.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.nlu.agencies import other_agency
from bot.nlu.intents import AGE_AFTER, AGE_BEFORE, INTENTS
from bot.nlu.normalize import word_set

# -- cost -----------------------------------------------------------------------------------------
COST = word_set(
    """bayar gratis biaya tarif ongkos mahal uang free fee fees cost costs pay paid charge
    price"""
)
# ... unless the money was asked for or offered (a complaint) ...
COMPLAINT = word_set(
    """minta suruh nyuruh pungli calo lapor palak pelicin rokok suap sogok oknum tawar nawar
    komplain adu dalam resmi siluman kilat adil duluan asked bribe report charged pungut"""
)
# ... or it concerns another agency's service ...
OTHER_AGENCY = word_set(
    """pajak pbb sim stnk bpkb paspor skck npwp pln listrik token pdam air tagihan bill
    electricity tax passport samsat"""
)
# ... or it also asks how to do something: then the cost is a side question ("ktp ilang gmn
# cara ngurusnya, bayar ga?" is about the lost card).
PROCEDURE = word_set("bagaimana cara prosedur langkah syarat how")
COST_BOOST = 4.0

# -- another agency -------------------------------------------------------------------------------
# Words of population documents: "bikin sim baru syaratnya apa" has none, "ktp kena air" has one.
DUKCAPIL = word_set(
    """ektp kk akta kia ikd nik rekam perekaman dukcapil kecamatan kelurahan desa blangko
    cetak record"""
)
OTHER_AGENCY_BOOST = 3.0
NAMED_AGENCY_BOOST = 6.0

# -- lost object ----------------------------------------------------------------------------------
OTHER_OBJECTS = word_set(
    """kk akta kia npwp sim paspor stnk bpkb bpjs ijazah sertifikat tiket kode booking antri
    atm buku ikd passport jalan lampu motor mobil alat laptop"""
)
CARD = word_set("ektp kartu dompet tas card wallet")
OBJECT_PENALTY = 5.0

# -- anchors --------------------------------------------------------------------------------------
ANCHORS: dict[str, frozenset[str]] = {
    "sekolah": word_set(
        """sekolah sma smk sman smkn smu ma man mas slb skh madrasah siswa murid pelajar kelas
        guru pesantren santri pondok ponpes school schools student students kampus mahasiswa
        kuliah smp mts osis kepsek"""
    ),
    # printing: the card is ready, printed, collected, handed out, waited for; the blank stock
    "cetak": word_set(
        """jadi jadinya dadi dadine jadinye cetak dicetak blangko blanko ambil diambil selesai
        bagi dibagikan dibagiin print printing printed ready suket resi pengganti sementara
        tinta kirim antar terima keluar tunggu collect pick lama kartu card status"""
    ),
    # a home visit needs someone who cannot come: family words alone ("emak gw", "Bapak/Ibu")
    # are how people talk about anything
    "rumah": word_set(
        """rumah sakit gering lansia sepuh jompo tua stroke lumpuh disabilitas difabel cacat odgj
        jiwa jalan kursi roda operasi rawat dirawat terbaring berbaring koma bedridden home
        visit kunjungan jemputbola datang dateng kesini lumpuh pikun buta tuli lemah kuat
        orangtua nenek kakek simbah mbah manula uzur parah opname"""
    ),
    # one's own bookings or requests: says whose, or asks how far it got
    "status": word_set(
        """saya aku ku kami kita my mine i me sudah belum kabar status cek lihat riwayat mana
        proses diproses kapan tiket kode nomor lupa masih berhasil hasil hasilnya aktif
        konfirmasi terkonfirmasi setuju disetujui tolak ditolak lanjut kelanjutan
        kelanjutannya terdaftar daftar did update punya"""
    ),
}
ANCHOR_PENALTY = 3.0

# -- excluders ------------------------------------------------------------------------------------
EXCLUDERS: dict[str, frozenset[str]] = {
    "layanan_lain": word_set("rekam record recording"),
    "lainnya": word_set("rekam record recording"),
    "sekolah": word_set("sd tk paud ppdb zonasi"),
}
EXCLUDER_PENALTY = 3.0

# -- eligibility ----------------------------------------------------------------------------------
MAY = word_set("bisa boleh wajib can may allowed")
WISH = word_set("mau tolong booking pesan daftarkan want book")
ELIGIBILITY_BOOST = 2.5

# -- follow-up ------------------------------------------------------------------------------------
PAST = word_set("sudah kemarin lalu tadi already")
REQUESTED = word_set(
    """aju ajukan ngajuin ajuin diajukan mengajukan pengajuan permohonan mohonkan daftar
    didaftarkan booking pesan submitted applied requested booked"""
)
# ... and asks how it went: an answer the office gives, only about something already asked for
OUTCOME = word_set(
    """terima diterima setuju disetujui tolak ditolak proses diproses konfirmasi dikonfirmasi
    kabar approved accepted rejected confirmed"""
)
FOLLOW_UP_BOOST = 3.0
OUTCOME_BOOST = 4.0

# -- schedule -------------------------------------------------------------------------------------
SCHEDULE = word_set("jadwal jadwalnya schedule")
NOT_SCHEDULE = word_set(
    """daftar booking pesan ambil batal ganti ubah pindah undur mundur majukan geser cancel
    saya ku my aku kami kita book reschedule"""
)
SCHEDULE_BOOST = 2.5

# -- complaint tone -------------------------------------------------------------------------------
# How residents describe bad service. These beat the topic words they come with ("jadwal di bot
# bilang buka, sampe sana tutup" talks of the schedule and complains about it).
COMPLAINT_TONE = word_set(
    """kecewa sopan judes galak kasar bentak ngebentak dibentak membentak jutek ketus cuek
    dicuekin marah ramah sombong songong nyolot parah kesal kesel payah zalim semena diusir
    ngusir pilih kasih tebang bohong dibohongi php nyesel menyesal berantakan kacau semrawut
    lelet ngaret"""
)
# "..., tapi/ternyata/sampe sana tutup": what was promised did not happen
CONTRAST = word_set("tapi tetapi tp ternyata malah nyatanya padahal sampe sampai pas giliran")
LET_DOWN = word_set("tutup kosong rusak mati libur batal tidak pulang")
ARRIVED = word_set("datang dateng teko sana kesana tiba nyampe sampe sampai adoh jauh")
COMPLAINT_BOOST = 4.0

# -- recording online -----------------------------------------------------------------------------
# "rekam ktp bisa online ga": recording is in person only (a requirement), unless the message is
# about booking a slot or the digital ID.
REMOTE = word_set("online daring aplikasi app internet video call vc jarak jauh website web")
RECORDING = word_set("rekam perekaman record recording")
NOT_REMOTE_REQUIREMENT = word_set(
    """daftar booking pesan antri antrian nomor kuota slot ikd digital aktivasi kk akta kia
    pindah"""
)
REMOTE_BOOST = 4.0

# -- checking one's queue -------------------------------------------------------------------------
CHECK = word_set("cek check lihat liat intip")
QUEUE = word_set("antri antrian antrean booking pendaftaran tiket reservasi")
CHECK_BOOST = 3.0

# -- jemput bola days -----------------------------------------------------------------------------
# The bot's own term for recording days at village halls: asked with "when", it is the schedule
# (a home visit names someone who cannot come, the rumah anchor above).
OUTREACH = word_set("jemputbola")
WHEN = word_set("kapan jadwal tanggal hari jam bulan minggu lagi berikutnya when")
OWN_REQUEST = word_set("saya aku ku kami my pengajuan permohonan status sudah")
OUTREACH_BOOST = 3.0

# -- queue length ---------------------------------------------------------------------------------
# "antri nya lama ga": asked before coming, it is about the day (booking avoids the queue); a
# complaint tells what happened ("udah antri 3 jam").
QUEUE_WAIT = word_set("antri antrian antrean ngantri antriannya antreannya antrinya")
LONG = word_set("lama panjang rame ramai penuh padat")
ASKING = word_set("tidak gak apa apakah biasanya kah")
QUEUE_BOOST = 5.0

_BIAYA = INTENTS.index("biaya")
_SYARAT = INTENTS.index("syarat")
_JADWAL = INTENTS.index("jadwal")
_STATUS = INTENTS.index("status")
_HILANG = INTENTS.index("hilang")
_LAINNYA = INTENTS.index("lainnya")
_PENGADUAN = INTENTS.index("pengaduan")
_RUMAH = INTENTS.index("rumah")
_IKD = INTENTS.index("ikd")
_ANCHORED = [(INTENTS.index(intent), words) for intent, words in ANCHORS.items()]
_EXCLUDED = [(INTENTS.index(intent), words) for intent, words in EXCLUDERS.items()]


def _has(words: frozenset[str], seen: Iterable[str]) -> bool:
    return not words.isdisjoint(seen)


def adjust(
    scores: list[float], tokens: list[str], stems: list[str], familiar: bool = True
) -> None:
    """Add the cue adjustments to ``scores`` (one per intent, in ``INTENTS`` order) in place.

    ``familiar``: every word of the message is known to the examples (a "jadwal bioskop" is not).
    """
    seen = set(tokens) | set(stems)
    if (
        _has(COST, seen)
        and not _has(COMPLAINT, seen)
        and not _has(OTHER_AGENCY, seen)
        and not _has(PROCEDURE, seen)
    ):
        scores[_BIAYA] += COST_BOOST
    if _has(OTHER_AGENCY, seen) and not _has(DUKCAPIL, seen):
        scores[_LAINNYA] += OTHER_AGENCY_BOOST
    if other_agency(seen):  # another office's service, even when the card or NIK is named
        scores[_LAINNYA] += NAMED_AGENCY_BOOST
    if _has(OTHER_OBJECTS, seen) and not _has(CARD, seen):
        scores[_HILANG] -= OBJECT_PENALTY
    for k, words in _ANCHORED:
        if not _has(words, seen):
            scores[k] -= ANCHOR_PENALTY
    for k, words in _EXCLUDED:
        if _has(words, seen):
            scores[k] -= EXCLUDER_PENALTY
    if young_age(tokens) and _has(MAY, seen) and not _has(WISH, seen):
        scores[_SYARAT] += ELIGIBILITY_BOOST
    if _has(REQUESTED, seen) and (_has(PAST, seen) or _has(OUTCOME, seen)):
        scores[_STATUS] += FOLLOW_UP_BOOST
        if _has(OUTCOME, seen):
            scores[_STATUS] += OUTCOME_BOOST
    complaint = complains(tokens, seen)
    if complaint:  # the complaint beats the schedule words it is about
        scores[_PENGADUAN] += COMPLAINT_BOOST
        scores[_JADWAL] -= COMPLAINT_BOOST
    _adjust_questions(scores, seen)
    if (
        familiar
        and not complaint
        and max(scores) > scores[_LAINNYA]  # "jadwal krl" stays out of scope
        and _has(SCHEDULE, tokens)
        and not _has(NOT_SCHEDULE, seen)
        and not _has(ANCHORS["sekolah"], seen)
    ):
        scores[_JADWAL] += SCHEDULE_BOOST


def complains(tokens: list[str], seen: set[str]) -> bool:
    """Bad service described, or a promise broken ("bilang buka, sampe sana tutup")."""
    if _has(COMPLAINT_TONE, seen):
        return True
    for i, tok in enumerate(tokens):
        if tok in CONTRAST and _has(LET_DOWN, tokens[i + 1 :]) and _has(ARRIVED, seen):
            return True
    return False


def _adjust_questions(scores: list[float], seen: set[str]) -> None:
    """Questions whose topic words point elsewhere: online recording, one's queue, jemput bola
    days, the length of the queue."""
    if _has(REMOTE, seen) and _has(RECORDING, seen) and not _has(NOT_REMOTE_REQUIREMENT, seen):
        scores[_SYARAT] += REMOTE_BOOST
        scores[_IKD] -= REMOTE_BOOST  # an app to record with is not the digital ID
    if _has(CHECK, seen) and _has(QUEUE, seen) and not _has(PROCEDURE, seen):
        scores[_STATUS] += CHECK_BOOST
    outreach_day = _has(OUTREACH, seen) and _has(WHEN, seen) and not _has(OWN_REQUEST, seen)
    if outreach_day and not _has(ANCHORS["rumah"] - OUTREACH, seen):
        scores[_JADWAL] += OUTREACH_BOOST
    queue_question = _has(QUEUE_WAIT, seen) and _has(LONG, seen) and _has(ASKING, seen)
    if queue_question and not _has(PAST, seen) and not _has(COMPLAINT_TONE, seen):
        scores[_JADWAL] += QUEUE_BOOST


_NOT_AGE_BEFORE = word_set(
    """tanggal tgl jam pukul nomor antrian no rp rupiah sman smkn sma smk man mts slb smp sd
    kelas ke rt rw bulan hari minggu number at on"""
)
_NOT_AGE_AFTER = word_set(
    """ribu rb juta rupiah jam menit hari bulan minggu orang kali lembar januari februari maret
    april mei juni juli agustus september oktober november desember"""
)


def young_age(tokens: list[str]) -> bool:
    """Whether the message gives an age between 10 and 21 ("umur 16", "15 tahun"), or a bare
    15, 16 or 17 that is no date, time, number or school ("anak sy 16 udh bisa rekam?")."""
    for i, tok in enumerate(tokens):
        if not (tok.isdigit() and len(tok) <= 2 and 10 <= int(tok) <= 21):
            continue
        prev = tokens[i - 1] if i else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if prev in AGE_BEFORE or nxt in AGE_AFTER:
            return True
        if 15 <= int(tok) <= 17 and prev not in _NOT_AGE_BEFORE and nxt not in _NOT_AGE_AFTER:
            return True
    return False
