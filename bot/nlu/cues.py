"""Cues about what a message *asks*, which a bag of words weighs poorly.

The naive Bayes scores say what a message talks *about*; a resident often talks about one topic
and asks about another ("ktp sy ilang, bikin lagi bayar gak?" asks about cost). These rules adjust
the scores for the few patterns where that matters, on the canonical stems of the message:

* **cost question**: a word of money (bayar, gratis, biaya, tarif, ...) without a sign of a
  complaint (minta, disuruh, pungli, calo, ...) or of another agency's service (pajak, sim, ...)
  pushes ``biaya``: the answer is that every population document is free.
* **anchors**: some topics are never meant without one of their words. A message about recording
  at schools names a school, a pupil or a class; without any, ``sekolah`` is pushed down, so that
  "jadwalnya kapan" is not taken for a school question because school examples ask "kapan" too.

Everything here is a plain word list, easy to extend, and costs a few set look-ups per message.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.nlu.intents import INTENTS
from bot.nlu.normalize import word_set

# Money words that make a message a question about cost.
COST = word_set(
    """bayar gratis biaya tarif ongkos mahal uang free fee fees cost costs pay paid charge
    price"""
)
# ... unless the money was asked for or offered (a complaint) ...
COMPLAINT = word_set(
    """minta suruh nyuruh pungli calo lapor palak pelicin rokok suap sogok oknum tawar nawar
    komplain adu dalam resmi siluman kilat adil duluan asked bribe report charged
    pungut"""
)
# ... or it concerns another agency's service (tax, driving licence, electricity, ...).
OTHER_AGENCY = word_set(
    """pajak pbb sim stnk bpkb paspor skck npwp pln listrik token pdam air tagihan bill
    electricity tax passport samsat"""
)
COST_BOOST = 4.0

# Words without which an intent is almost never meant (matched on stems and their prefixes).
ANCHORS: dict[str, frozenset[str]] = {
    "sekolah": word_set(
        """sekolah sma smk sman smkn sma smu ma man mas slb skh madrasah siswa murid pelajar
        kelas guru pesantren santri pondok ponpes school schools student students kampus
        mahasiswa kuliah smp mts osis kepsek"""
    ),
    # a question about one's own bookings or requests says whose, or asks how far it got
    "status": word_set(
        """saya ku my mine sudah belum kabar status cek lihat riwayat mana proses diproses
        kapan tiket kode nomor lupa masih berhasil hasil aktif konfirmasi terkonfirmasi setuju
        disetujui tolak ditolak lanjut kelanjutan kelanjutannya hasilnya terdaftar daftar i me did update punya
        kami kita aku"""
    ),
}
ANCHOR_PENALTY = 3.0

# "hilang" is about the e-KTP; a lost family card, passport or booking code is another topic.
OTHER_OBJECTS = word_set(
    """kk akta kia npwp sim paspor stnk bpkb bpjs ijazah sertifikat tiket kode booking antri
    atm buku ikd passport"""
)
CARD = word_set("ektp kartu dompet tas card wallet")
OBJECT_PENALTY = 3.0

_BIAYA = INTENTS.index("biaya")
_HILANG = INTENTS.index("hilang")
_ANCHORED = [(INTENTS.index(intent), words) for intent, words in ANCHORS.items()]


def _has(words: frozenset[str], stems: Iterable[str]) -> bool:
    return any(s in words for s in stems)


def adjust(scores: list[float], tokens: list[str], stems: list[str]) -> None:
    """Add the cue adjustments to ``scores`` (one per intent, in ``INTENTS`` order) in place."""
    seen = set(tokens) | set(stems)
    if _has(COST, seen) and not _has(COMPLAINT, seen) and not _has(OTHER_AGENCY, seen):
        scores[_BIAYA] += COST_BOOST
    if _has(OTHER_OBJECTS, seen) and not _has(CARD, seen):
        scores[_HILANG] -= OBJECT_PENALTY
    for k, words in _ANCHORED:
        if not _has(words, seen):
            scores[k] -= ANCHOR_PENALTY
